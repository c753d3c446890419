import XCTest
@testable import StatelessImage

final class LddTests: XCTestCase {
    func testParsesTypicalOutput() throws {
        let output = """
        \tlinux-vdso.so.1 (0x00007ffd4b7f2000)
        \tlibkmod.so.2 => /lib/x86_64-linux-gnu/libkmod.so.2 (0x00007f3c5c2a0000)
        \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3c5c0bf000)
        \tlibswiftCore.so => /opt/swift/usr/lib/swift/linux/libswiftCore.so (0x00007f889a200000)
        \tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f3c5c0bf000)
        \t/lib64/ld-linux-x86-64.so.2 (0x00007f3c5c2f5000)
        """
        XCTAssertEqual(try ElfDependencies.parseLdd(output, binary: "stateless"), [
            "/lib/x86_64-linux-gnu/libkmod.so.2",
            "/lib/x86_64-linux-gnu/libc.so.6",
            "/opt/swift/usr/lib/swift/linux/libswiftCore.so",
            "/lib64/ld-linux-x86-64.so.2",
        ])
    }

    func testIgnoresVdsoForms() throws {
        let output = "\tlinux-vdso.so.1 =>  (0x00007fff)\n\tlinux-gate.so.1 (0xb7f)\n\tlibm.so.6 => /lib/libm.so.6 (0x1)\n"
        XCTAssertEqual(try ElfDependencies.parseLdd(output, binary: "x"), ["/lib/libm.so.6"])
    }

    func testStaticBinaryHasNoLibraries() throws {
        XCTAssertEqual(try ElfDependencies.parseLdd("\tstatically linked\n", binary: "x"), [])
        XCTAssertEqual(try ElfDependencies.parseLdd("\tnot a dynamic executable\n", binary: "x"), [])
    }

    func testNotFoundIsAnError() {
        let output = "\tlibkmod.so.2 => not found\n\tlibc.so.6 => /lib/libc.so.6 (0x1)\n\tlibblkid.so.1 => not found\n"
        XCTAssertThrowsError(try ElfDependencies.parseLdd(output, binary: "/b/stateless")) { error in
            XCTAssertEqual("\(error)", "resolve shared libraries '/b/stateless': not found: libkmod.so.2, libblkid.so.1")
        }
    }
}

final class LibraryPlacementTests: XCTestCase {
    func testReplacementLibrariesGoBesideLibc() {
        let paths = ["/opt/kmod/lib/libkmod.so.2", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]
        let placed = ElfDependencies.placed(paths, libraryDirectory: "/opt/kmod/lib")
        XCTAssertEqual(placed.map(\.0), ["/lib/x86_64-linux-gnu/libkmod.so.2", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"])
        XCTAssertEqual(placed.map(\.1), paths)
        XCTAssertEqual(ElfDependencies.placed(paths, libraryDirectory: nil).map(\.0), paths)
    }
}
