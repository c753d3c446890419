import StatelessCore
import StatelessProtocols
import StatelessSystem

/// A read-only dm-verity device over an image (libdevmapper's `verity` target): every
/// block read is checked against the hash tree, and the tree against a root hash from
/// somewhere trusted (`roothash=`, a signed release manifest). A changed block reads as
/// an I/O error with the kernel's line naming the device and the block, never as
/// silently different data. The first block is read here, so a wrong root hash or a
/// damaged start of the image stops the boot with one line before anything mounts.
struct VerityDevice {
    var name: String
    var data: String
    var hash: String
    /// Where the superblock `veritysetup format` wrote starts on `hash`.
    var superblockOffset: UInt64 = 0
    var rootHash: String
    /// The option that named the root hash, for the error lines.
    var option: String

    /// The /dev/mapper node; `undo` removes it.
    func open(_ context: AttachContext) throws -> (node: String, undo: () -> Void) {
        let superblock: VeritySuperblock
        do {
            superblock = try VeritySuperblock(parsing: try Posix.readBytes(hash, at: superblockOffset, count: VeritySuperblock.size))
        } catch let invalid as VeritySuperblock.Invalid {
            throw BootError("attach dm-verity", hash, detail: "\(invalid) at byte \(superblockOffset) (veritysetup format writes one)", option: option)
        }
        let available = try DeviceMapper.sectors(of: data)
        guard available >= superblock.dataSectors else {
            throw BootError("attach dm-verity", data, detail: "the hash tree covers \(superblock.dataSectors) sectors, the data device has \(available)", option: option)
        }
        try DeviceMapper.prepare(context.watcher.modules)
        context.watcher.modules.load(alias: "dm-verity", reason: "dm-verity root")
        let parameters = superblock.tableParameters(dataDevice: data, hashDevice: hash, superblockOffset: superblockOffset, rootHash: rootHash)
        let node = try DeviceMapper.create(name, .init(sectors: superblock.dataSectors, type: "verity", parameters: parameters), readOnly: true)
        let log = context.log
        let undo = { [name] in DeviceMapper.remove(name, log) }
        do {
            _ = try Posix.readBytes(node, at: 0, count: Int(superblock.dataBlockSize))
        } catch {
            undo()
            throw BootError("attach dm-verity", data, detail: "data block 0 does not match root hash \(rootHash) (an altered or damaged image, or the wrong root hash): \(error)", option: option)
        }
        context.log.info(context.stage, "dm-verity: \(node) checks \(data) against root hash \(rootHash.prefix(16))… (\(superblock.dataBlocks) blocks of \(superblock.dataBlockSize) bytes, \(superblock.algorithm))")
        return (node, undo)
    }
}
