import CMnl
import Glibc
import StatelessCore
import StatelessProtocols

/// A /dev/nbdN configured through the nbd driver's generic netlink family (what
/// `nbd-client -N` uses), not the older ioctls: the kernel takes the socket and returns
/// at once, where NBD_DO_IT would hold a thread of ours for the device's lifetime.
package struct NBDDevice {
    package let index: UInt32
    package var path: String { "/dev/nbd\(index)" }

    /// Hands `socket` (our end's peer) to a free nbd device with the export's geometry.
    /// No timeout is set: the kernel then waits for every request however long the
    /// bridge takes to log in again after a session drop, rather than failing the root's
    /// I/O (it logs "Possible stuck request" every 30 s meanwhile).
    package static func connect(socket: CInt, size: UInt64, blockSize: Int, flags: NBD.ServerFlags) throws -> NBDDevice {
        let netlink = try NetlinkSocket(protocol: NETLINK_GENERIC)
        let family = try familyID(netlink)
        var index: UInt32?
        try netlink.request("nbd connect", type: family, flags: 0, build: { message in
            putGenericHeader(message, command: UInt8(NBD_CMD_CONNECT))
            try message.put(Int32(NBD_ATTR_SIZE_BYTES), u64: size)
            try message.put(Int32(NBD_ATTR_BLOCK_SIZE_BYTES), u64: UInt64(blockSize))
            try message.put(Int32(NBD_ATTR_SERVER_FLAGS), u64: flags.union(.hasFlags).rawValue)
            try message.nest(Int32(NBD_ATTR_SOCKETS)) {
                try message.nest(Int32(NBD_SOCK_ITEM)) {
                    try message.put(Int32(NBD_SOCK_FD), u32: UInt32(bitPattern: socket))
                }
            }
        }, each: { reply in
            index = NetlinkAttributes(reply, headerSize: MemoryLayout<genlmsghdr>.size).u32(Int32(NBD_ATTR_INDEX))
        })
        guard let index else { throw BootError("connect", "an nbd device", detail: "the kernel's answer named no device index") }
        return NBDDevice(index: index)
    }

    /// Asks the kernel to drop the device: it fails new I/O, and sends NBD_CMD_DISC down
    /// the socket once the requests in flight are answered.
    package func disconnect() throws {
        let netlink = try NetlinkSocket(protocol: NETLINK_GENERIC)
        let family = try Self.familyID(netlink)
        try netlink.request("nbd disconnect of \(path)", type: family, flags: 0) { message in
            Self.putGenericHeader(message, command: UInt8(NBD_CMD_DISCONNECT))
            try message.put(Int32(NBD_ATTR_INDEX), u32: index)
        }
    }

    /// The family number the kernel gave "nbd" when the module registered it.
    static func familyID(_ netlink: NetlinkSocket) throws -> UInt16 {
        var id: UInt16?
        do {
            try netlink.request("generic netlink family nbd", type: UInt16(GENL_ID_CTRL), flags: 0, build: { message in
                putGenericHeader(message, command: UInt8(CTRL_CMD_GETFAMILY))
                try message.put(Int32(CTRL_ATTR_FAMILY_NAME), string: NBD_GENL_FAMILY_NAME)
            }, each: { reply in
                id = NetlinkAttributes(reply, headerSize: MemoryLayout<genlmsghdr>.size).bytes(Int32(CTRL_ATTR_FAMILY_ID))
                    .flatMap { $0.count == 2 ? $0.withUnsafeBytes { $0.loadUnaligned(as: UInt16.self) } : nil }
            })
        } catch let error as BootError where error.errno == .noSuchFileOrDirectory {
            throw BootError("find", "the nbd driver", errno: error.errno, detail: "the kernel has no generic netlink family nbd: the nbd module is missing from the image or failed to load")
        }
        guard let id else { throw BootError("find", "the nbd driver", detail: "the kernel's answer named no family id") }
        return id
    }

    private static func putGenericHeader(_ message: UnsafeMutablePointer<nlmsghdr>, command: UInt8) {
        let header = message.putExtraHeader(genlmsghdr.self)
        header.pointee.cmd = command
        header.pointee.version = UInt8(NBD_GENL_VERSION)
    }
}
