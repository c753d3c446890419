/// The hand-off files under /run/stateless, as types: a fact's key names its file, so a
/// stage can only write, and read back, the keys its file has. stateless-handoff(7) lists
/// every key for scripts and admins.
public protocol HandOffFile {
    /// `root` for /run/stateless/root.env.
    static var name: String { get }
}

public enum RootEnv: HandOffFile { public static let name = "root" }
public enum OverlayEnv: HandOffFile { public static let name = "overlay" }
public enum StateEnv: HandOffFile { public static let name = "state" }
public enum SwitchRootEnv: HandOffFile { public static let name = "switch-root" }
/// net.env and each net-IFACE.env.
public enum NetEnv: HandOffFile { public static let name = "net" }
/// The iSCSI bridge's iscsi.env (its answer to the root stage has the same keys).
public enum ISCSIEnv: HandOffFile { public static let name = "iscsi" }

/// One key of `File`. Keys are declared as constants in extensions constrained to their
/// file; the writer and the reader of a fact both name that constant.
public struct HandOffKey<File: HandOffFile>: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }
}

/// A file's facts, as a stage produces them.
public typealias HandOffFacts<File: HandOffFile> = [(HandOffKey<File>, String)]

/// A hand-off file read back: its values by typed key.
public struct HandOffValues<File: HandOffFile>: Sendable {
    public var values: [String: String]
    public init(_ values: [String: String]) { self.values = values }
    public subscript(key: HandOffKey<File>) -> String? { values[key.rawValue] }
    /// The value, or nil when it is missing or empty (files keep every key, some empty).
    public func nonEmpty(_ key: HandOffKey<File>) -> String? { values[key.rawValue].flatMap { $0.isEmpty ? nil : $0 } }
}

extension HandOff {
    /// The facts as `KEY=value` lines.
    public static func format<File>(_ facts: HandOffFacts<File>) -> String {
        format(facts.map { ($0.0.rawValue, $0.1) })
    }

    /// `/run/stateless/NAME.env` of `File`.
    public static func path<File: HandOffFile>(_ file: File.Type) -> String { path(File.name) }
}
