/// The text form of a digest, as `sha256sum` prints it and an admin pastes it.
public enum HexDigest {
    /// 64 hex digits, either case.
    public static func isSHA256(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.allSatisfy { $0.isHexDigit }
    }
}
