public enum StatelessImagePlaceholder {}
