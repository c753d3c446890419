import CBlkid
import CDevmapper
import CIscsi
import CKmod
import CMount
import XCTest

/// Proves that every system-library target compiles and links against the real C library,
/// including those only later root kinds (iSCSI, device-mapper) call.
final class SystemLibraryTests: XCTestCase {
    func testEachLibraryAnswersItsVersion() throws {
        var blkidVersion: UnsafePointer<CChar>?
        XCTAssertGreaterThan(blkid_get_library_version(&blkidVersion, nil), 0)
        var mountVersion: UnsafePointer<CChar>?
        XCTAssertGreaterThan(mnt_get_library_version(&mountVersion), 0)
        var buffer = [CChar](repeating: 0, count: 64)
        XCTAssertEqual(dm_get_library_version(&buffer, buffer.count), 1)
        XCTAssertTrue(String(cString: buffer).contains("."))
        let kmod = kmod_new(nil, nil)
        XCTAssertNotNil(kmod)
        kmod_unref(kmod)
        let iscsi = iscsi_create_context("iqn.2026-11.org.stateless:test")
        XCTAssertNotNil(iscsi)
        iscsi_destroy_context(iscsi)
    }
}
