import CBlkid
import CKmod
import CMount
import StatelessSystem
import XCTest

/// Proves that every system-library target compiles and links against the real C library,
/// and that the libraries the boot opens on demand have every function it fetches.
final class SystemLibraryTests: XCTestCase {
    func testEachLinkedLibraryAnswersItsVersion() throws {
        var blkidVersion: UnsafePointer<CChar>?
        XCTAssertGreaterThan(blkid_get_library_version(&blkidVersion, nil), 0)
        var mountVersion: UnsafePointer<CChar>?
        XCTAssertGreaterThan(mnt_get_library_version(&mountVersion), 0)
        let kmod = kmod_new(nil, nil)
        XCTAssertNotNil(kmod)
        kmod_unref(kmod)
    }

    /// libiscsi and libdevmapper through dlopen (SharedLibrary): every symbol found, and
    /// a call through the fetched pointers works.
    func testOnDemandLibrariesOpenWithEveryFunction() throws {
        let iscsi = try LibISCSI.open()
        let context = iscsi.createContext("iqn.2026-11.org.stateless:test")
        XCTAssertNotNil(context)
        _ = iscsi.destroyContext(context)
        // A task would open /dev/mapper/control, which a build machine may lack.
        try LibDevmapper.open().udevSetChecking(0)
    }
}
