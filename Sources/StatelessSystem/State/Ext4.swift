import CMakeExt4
import StatelessCore
import StatelessProtocols

/// mke2fs's steps through libext2fs (Sources/CMakeExt4), for stateless.state.format=1.
package enum Ext4 {
    /// Makes an ext4 filesystem labelled `label` on `device`: nil when done, else
    /// libext2fs's own words for what failed.
    package static func format(_ device: String, label: String) -> String? {
        var message = [CChar](repeating: 0, count: 512)
        guard stateless_make_ext4(device, label, &message, message.count) != 0 else { return nil }
        return String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
