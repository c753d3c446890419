import CLinux
import StatelessCore
import StatelessProtocols
import SystemPackage

/// The one error type of the early-boot code.
///
/// It carries what was attempted, on which object, the errno when the kernel gave one,
/// and the option an admin can change — so that every failure prints as one line that
/// explains itself: every wait is bounded, every failure is explained.
public struct BootError: Error, Equatable, CustomStringConvertible {
    /// What code decides by (retry, go on, give up); the text is for people only.
    public enum Kind: Equatable, Sendable {
        /// The call was answered, and the answer was no: the kernel's errno, a server's
        /// status. Whether trying again can help is the errno's to say.
        case failed
        /// Nothing usable came back: no connection, a connection that broke, a bound that
        /// passed. Worth another try while a retry bound allows.
        case noAnswer
        /// A peer refused this client: a login, credentials, an access list.
        case refused
    }

    public var kind: Kind
    /// What was being done, e.g. "mount", "read", "wait for root device".
    public var operation: String
    /// The thing it was done to: a path, a device, a module, an option.
    public var object: String
    /// The kernel's answer, when the failure came from a system call.
    public var errno: Errno?
    /// Free text: what was expected and what was found instead.
    public var detail: String?
    /// The command-line option that controls this behaviour, if any.
    public var option: String?

    public init(
        _ operation: String, _ object: String, kind: Kind = .failed, errno: Errno? = nil,
        detail: String? = nil, option: String? = nil
    ) {
        self.kind = kind
        self.operation = operation
        self.object = object
        self.errno = errno
        self.detail = detail
        self.option = option
    }

    public var description: String {
        var line = "\(operation) \(object)"
        if let errno { line += ": \(errno) (\(errnoName(errno)))" }
        if let detail { line += ": \(detail)" }
        if let option { line += " (controlled by \(option))" }
        return line
    }
}

/// The symbolic name of an errno value (`ENODEV`, not 19), from the C library's own
/// table, so every errno the kernel can give prints by name.
package func errnoName(_ errno: Errno) -> String {
    guard let name = strerrorname_np(errno.rawValue) else { return "errno \(errno.rawValue)" }
    return String(cString: name)
}
