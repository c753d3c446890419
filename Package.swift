// swift-tools-version:6.0
import PackageDescription

/// Early-boot code (`StatelessBoot`, `stateless`) must never import Foundation: it is
/// linked into the initramfs, where every megabyte counts. The host side
/// (`StatelessImage`, `mkstateless`) may.
/// The early-boot code is optimised for size in release builds: it is unpacked into RAM
/// on every boot, and its speed is bound by the kernel calls it makes.
let earlyBootSwiftSettings: [SwiftSetting] = [.unsafeFlags(["-Osize"], .when(configuration: .release))]

let package = Package(
    name: "Stateless",
    products: [
        .executable(name: "stateless", targets: ["stateless"]),
        .executable(name: "mkstateless", targets: ["mkstateless"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // C libraries, through pkg-config. Those without it are headers only: the binary
        // opens them with dlopen(3) when a root needs them (SharedLibrary.swift).
        .systemLibrary(name: "CKmod", pkgConfig: "libkmod", providers: [.apt(["libkmod-dev"])]),
        .systemLibrary(name: "CBlkid", pkgConfig: "blkid", providers: [.apt(["libblkid-dev"])]),
        .systemLibrary(name: "CMount", pkgConfig: "mount", providers: [.apt(["libmount-dev"])]),
        // iSCSI roots (the bridge to nbd); opened on demand.
        .systemLibrary(name: "CIscsi", providers: [.apt(["libiscsi-dev"])]),
        // Kernel headers Glibc's module does not expose (netlink, reboot).
        .systemLibrary(name: "CLinux"),
        // Live snapshots and dm-verity; opened on demand.
        .systemLibrary(name: "CDevmapper", providers: [.apt(["libdevmapper-dev"])]),
        // Netlink messages (rtnetlink: links, addresses, routes) for the network stage.
        .systemLibrary(name: "CMnl", pkgConfig: "libmnl", providers: [.apt(["libmnl-dev"])]),
        // SHA-256 of a live image fetched over HTTP.
        .systemLibrary(name: "CNettle", pkgConfig: "nettle", providers: [.apt(["nettle-dev"])]),
        // OpenSSL's headers for https://, not linked: libssl is opened with dlopen when an
        // image has it (Sources/COpenSSL/shim.h says why).
        .systemLibrary(name: "COpenSSL", providers: [.apt(["libssl-dev"])]),
        // Delta transfer of cached releases (zchunk: chunk checks, reuse from an older file).
        .systemLibrary(name: "CZck", pkgConfig: "zck", providers: [.apt(["libzck-dev"])]),
        // Ed25519 release signatures: nettle's libhogweed, headers only for the boot
        // (opened with dlopen where an image trusts a key; Sources/CHogweed/shim.h).
        .systemLibrary(name: "CHogweed", providers: [.apt(["nettle-dev"])]),

        // The early-boot code in four targets; ARCHITECTURE.md draws the graph. Only
        // StatelessSystem imports Glibc or a C module (Tests/check-imports enforces it).
        // Pure types: the command line, plans, table formats, hand-off formats.
        .target(name: "StatelessCore", swiftSettings: earlyBootSwiftSettings),
        // Codecs and state machines of the wire protocols (DHCP, ARP, HTTP, NBD): no I/O.
        .target(name: "StatelessProtocols", dependencies: ["StatelessCore"], swiftSettings: earlyBootSwiftSettings),
        // The one target that talks to the kernel and the C libraries.
        .target(
            name: "StatelessSystem",
            dependencies: [
                "StatelessCore", "StatelessProtocols", "CEarlyRandom",
                "CKmod", "CBlkid", "CMount", "CLinux", "CMnl", "CIscsi", "CMakeExt4", "CDevmapper", "CNettle", "COpenSSL",
                "CZck", "CHogweed",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: earlyBootSwiftSettings
        ),
        // Stages, root layers, daemons and applets, on the three targets above.
        .target(
            name: "StatelessBoot",
            dependencies: [
                "StatelessCore", "StatelessProtocols", "StatelessSystem", "StatelessAudit",
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: earlyBootSwiftSettings
        ),
        // mke2fs's steps through e2fsprogs' libext2fs, for stateless.state.format=1.
        .target(name: "CMakeExt4", linkerSettings: [.linkedLibrary("ext2fs"), .linkedLibrary("com_err")]),
        // Overrides the Swift runtime's blocking random source in the early-boot binary
        // only (see Sources/CEarlyRandom/early_random.c).
        .target(name: "CEarlyRandom"),
        .executableTarget(
            name: "stateless",
            dependencies: ["StatelessBoot", "StatelessSystem"],
            swiftSettings: earlyBootSwiftSettings,
            // The production build is the plain `swift build -c release`: the Swift
            // runtime linked in statically (the initramfs has no libswiftCore.so), and
            // the C++ and gcc runtimes it calls too (link/libstdc++.so says how).
            linkerSettings: [.unsafeFlags(["-static-stdlib", "-L\(Context.packageDirectory)/link", "-Xclang-linker", "-static-libgcc", "-use-ld=lld", "-Xlinker", "--exclude-libs=ALL", "-Xlinker", "--no-export-dynamic",
                                            "-Xlinker", "--gc-sections", "-Xlinker", "--icf=all", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs"], .when(configuration: .release))]
        ),

        // The write audit's report: written by `stateless audit`, read by `mkstateless
        // audit`. Pure Swift, no Foundation (it links into the early-boot binary).
        .target(name: "StatelessAudit", swiftSettings: earlyBootSwiftSettings),

        // libkmod resolves the running machine's modaliases for `mkstateless --hostonly`.
        // nettle (SHA-256) and libhogweed (Ed25519) sign releases (`mkstateless publish`).
        .target(name: "StatelessImage", dependencies: ["CKmod", "CNettle", "CHogweed", "StatelessCore"],
                linkerSettings: [.linkedLibrary("hogweed")]),
        .executableTarget(
            name: "mkstateless",
            dependencies: [
                "StatelessImage", "StatelessAudit", "StatelessCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "StatelessBootTests", dependencies: ["StatelessBoot", "DHCPFixtures", "StatelessCore", "StatelessProtocols", "StatelessSystem", "StatelessAudit", "CLinux", "CMakeExt4", "COpenSSL"]),
        // The pure targets' tests: no C library, no root.
        .testTarget(name: "StatelessCoreTests", dependencies: ["StatelessCore", "StatelessProtocols", "DHCPFixtures"]),
        // A DHCP client and replies with literal values, for both test targets above.
        .target(name: "DHCPFixtures", dependencies: ["StatelessCore", "StatelessProtocols"], path: "Tests/Fixtures"),
        .testTarget(name: "StatelessImageTests", dependencies: ["StatelessImage"]),
        .testTarget(name: "SystemLibraryTests", dependencies: ["CKmod", "CBlkid", "CMount", "StatelessSystem"]),
    ]
)
