// swift-tools-version:6.0
import PackageDescription

let ffmpegPackages = [
    "libavformat-dev", "libavcodec-dev", "libavfilter-dev",
    "libswresample-dev", "libswscale-dev", "libavutil-dev",
]

/// `MICROCAST_FUZZ=1` (set by scripts/fuzz-build): our own modules that the
/// fuzz harnesses reach are built with AddressSanitizer and libFuzzer's
/// coverage, and the dependencies as they are. The fuzz build then shares the
/// test build's folder and recompiles only our modules (a second build of
/// every dependency, BoringSSL's C included, took a fifth of CI's time).
let fuzzing = Context.environment["MICROCAST_FUZZ"] == "1"
let fuzzed: [SwiftSetting] =
    fuzzing
    ? [
        .define("FUZZING"),
        .unsafeFlags(["-sanitize=address", "-sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table"]),
    ] : []

let package = Package(
    name: "Microcast",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "microcast", targets: ["microcast"])
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.0"),
        .package(url: "https://github.com/vapor/multipart-kit.git", from: "4.7.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/adam-fowler/compress-nio.git", from: "1.5.0"),
    ],
    targets: [
        // C libraries, as Debian packages them. Headers and static-inline helpers only.
        .systemLibrary(
            name: "CFFmpeg",
            pkgConfig: "libavformat",
            providers: [.apt(ffmpegPackages)]
        ),
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        .systemLibrary(name: "CGumbo", pkgConfig: "gumbo", providers: [.apt(["libgumbo-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        // Landlock's three system calls; no library, the kernel's ABI only.
        .systemLibrary(name: "CLandlock"),
        .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlienc", providers: [.apt(["libbrotli-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(
            name: "CCmark",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        // Fixed-signature wrappers for libvips's variadic calls, which Swift cannot make.
        .target(name: "CVipsShim", dependencies: ["CVips"]),
        // glibc's allocator settings, for a process that decodes large media on many threads.
        .target(name: "CMalloc"),

        // Values the media code and the domain share: kinds, formats, probes, presets, limits.
        .target(name: "MediaModel", swiftSettings: fuzzed),
        // The FFmpeg and libvips binding: the only Swift code that calls them.
        .target(name: "MediaEngine", dependencies: ["MediaModel", "CFFmpeg", "CVips", "CVipsShim", "CMalloc"], swiftSettings: fuzzed),
        // Media jobs as pipelines of named steps over the engine.
        .target(name: "MediaKit", dependencies: ["MediaModel", "MediaEngine"], swiftSettings: fuzzed),
        // Media decoding in sandboxed child processes (seccomp, rlimits), and their pool.
        .target(name: "MediaSandbox", dependencies: ["MediaKit", "MediaModel", "CSeccomp", "CLandlock"], swiftSettings: fuzzed),
        // HTML parsed as browsers do (Gumbo), sanitised; Markdown (cmark-gfm);
        // XML (feeds, exports) read with libxml2.
        .target(name: "HTMLKit", dependencies: ["CGumbo", "CCmark", "CLibXML2"], swiftSettings: fuzzed),
        .target(
            name: "MicrocastCore",
            dependencies: [
                "HTMLKit", "MediaModel",
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            resources: [.copy("Templates"), .copy("Assets")],
            swiftSettings: fuzzed
        ),
        .target(
            name: "MicrocastStore",
            dependencies: [
                "MicrocastCore", "MediaModel",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The same repositories on PostgreSQL, for several processes on several machines.
        .target(
            name: "MicrocastPostgres",
            dependencies: [
                "MicrocastCore", "MediaModel",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // multipart/form-data bodies read chunk by chunk within our limits, without I/O.
        .target(
            name: "MultipartForm",
            dependencies: [
                "MicrocastCore",
                .product(name: "MultipartKit", package: "multipart-kit"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: fuzzed
        ),
        // The application: services from one composition root, jobs, ingest,
        // media intake, publishing, the site and its export, outbound
        // fetching, listeners, conversations. No HTTP framework.
        .target(
            name: "MicrocastApp",
            dependencies: [
                "MediaKit", "MediaEngine", "MediaModel", "MediaSandbox", "MicrocastCore", "MicrocastStore", "MicrocastPostgres",
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ]
        ),
        // The HTTP layer: routes, controllers, auth and sessions, the studio's
        // pages, file responses. It only translates between HTTP and the application.
        .target(
            name: "MicrocastHTTP",
            dependencies: [
                "MicrocastApp", "MediaKit", "MediaModel", "MicrocastCore", "MultipartForm", "CBrotli",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "CompressNIO", package: "compress-nio"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "microcast",
            dependencies: [
                "MediaKit", "MediaEngine", "MediaModel", "MediaSandbox", "MicrocastCore", "MicrocastApp", "MicrocastHTTP",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Fixture media made by the suite itself with ffmpeg and exiftool.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        // Speed and memory against the command-line baseline; see docs/benchmarks.md.
        .executableTarget(
            name: "bench",
            dependencies: [
                "MediaKit", "MediaEngine", "MediaModel", "MediaSandbox", "MicrocastCore", "MicrocastStore", "MicrocastPostgres", "MicrocastApp",
                "MicrocastHTTP", "TestSupport",
            ],
            path: "Benchmarks/Bench"
        ),

        // Every parser that reads a stranger's bytes, as a fuzz harness; see docs/robustness.md.
        .target(
            name: "FuzzHarnesses",
            dependencies: ["HTMLKit", "MediaKit", "MediaModel", "MicrocastCore", "MultipartForm"],
            path: "Fuzz/Harnesses",
            swiftSettings: fuzzed
        ),
        .executableTarget(
            name: "fuzz",
            dependencies: ["FuzzHarnesses", "MediaEngine", "MediaModel", "MediaSandbox"],
            path: "Fuzz/Driver",
            swiftSettings: fuzzed,
            linkerSettings: fuzzing ? [.unsafeFlags(["-sanitize=address"])] : []
        ),
        .testTarget(name: "FuzzHarnessTests", dependencies: ["FuzzHarnesses"]),

        // The application without the HTTP layer: no Hummingbird in its tests either.
        .testTarget(
            name: "MicrocastAppTests",
            dependencies: ["MicrocastApp", "MicrocastCore", "MicrocastStore", "MediaKit", "MediaModel", "MediaSandbox", "TestSupport"]
        ),
        .testTarget(name: "MediaKitTests", dependencies: ["MediaKit", "MediaEngine", "MediaModel", "TestSupport"]),
        .testTarget(name: "MicrocastCoreTests", dependencies: ["MicrocastCore", "MediaModel", "TestSupport"]),
        .testTarget(name: "HTMLKitTests", dependencies: ["HTMLKit"]),
        .testTarget(
            name: "MicrocastStoreTests",
            dependencies: [
                "MicrocastStore", "MicrocastPostgres", "MicrocastCore", "MediaModel", "TestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "MicrocastServerTests",
            dependencies: [
                "MicrocastApp", "MicrocastHTTP", "MediaKit", "MediaModel", "MicrocastCore", "MicrocastStore", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ]
)
