/// The one error type of the image builder.
///
/// Every failure is printed as a single line — what was being done, on which object, and
/// why it failed — so that a build log says enough to fix the problem without a debugger.
public struct ImageError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The operation that failed, e.g. "read module info".
    public var operation: String
    /// The object it failed on: a path, a command line, a profile line.
    public var object: String
    /// Why it failed.
    public var reason: String

    public init(_ operation: String, _ object: String, _ reason: String) {
        self.operation = operation
        self.object = object
        self.reason = reason
    }

    public var description: String {
        object.isEmpty ? "\(operation): \(reason)" : "\(operation) '\(object)': \(reason)"
    }
}
