import StatelessImage
import XCTest

final class ModuleCompressionTests: XCTestCase {
    /// mixed: zstd (fast to decode) for what nearly every boot loads, xz (small) for drivers.
    func testMixedDecodesFastWhatEveryBootLoads() {
        let cases: [(String, ModuleCompression.Format?)] = [
            ("fs/ext4/ext4.ko", .zstd), ("fs/nfs/nfsv4.ko", .zstd), ("net/sunrpc/sunrpc.ko", .zstd),
            ("lib/crc16.ko", .zstd), ("crypto/crc32c_generic.ko", .zstd), ("block/t10-pi.ko", .zstd),
            ("drivers/net/ethernet/mellanox/mlx5/core/mlx5_core.ko", .xz), ("drivers/block/virtio_blk.ko", .xz),
            ("drivers/ata/ata_piix.ko", .xz),
        ]
        for (path, format) in cases { XCTAssertEqual(ModuleCompression.mixed.format(forModuleAt: path), format, path) }
        XCTAssertEqual(ModuleCompression.xz.format(forModuleAt: "fs/ext4/ext4.ko"), .xz)
        XCTAssertEqual(ModuleCompression.zstd.format(forModuleAt: "drivers/ata/ata_piix.ko"), .zstd)
        XCTAssertNil(ModuleCompression.none.format(forModuleAt: "fs/ext4/ext4.ko"))
    }
}
