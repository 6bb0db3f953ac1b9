// swift-tools-version:6.0
import PackageDescription

// Kernels are SIMD code: without a CPU baseline Swift emits libm calls for FMA and soft-float
// Float16 conversions (10-50x slower). Haswell = AVX2 + FMA + F16C, portable
// to every x86-64 machine this project runs on.
let cpuFlags: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
let swiftSettings: [SwiftSetting] = cpuFlags + [.swiftLanguageMode(.v5)]

let package = Package(
    name: "Augur",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "augur", targets: ["augur"]),
        .library(name: "AugurGGUF", targets: ["AugurGGUF"]),
        .library(name: "AugurKernels", targets: ["AugurKernels"]),
        .library(name: "AugurTokenizer", targets: ["AugurTokenizer"]),
        .library(name: "AugurModels", targets: ["AugurModels"]),
        .library(name: "AugurSampling", targets: ["AugurSampling"]),
        .library(name: "AugurStore", targets: ["AugurStore"]),
        .library(name: "AugurEngine", targets: ["AugurEngine"]),
        .library(name: "AugurSpeculative", targets: ["AugurSpeculative"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(name: "AugurGGUF", swiftSettings: swiftSettings),
        .target(
            name: "AugurKernelsC",
            cSettings: [.unsafeFlags(["-O3", "-mavx2", "-mfma", "-mf16c"])]),
        .target(name: "AugurKernels", dependencies: ["AugurGGUF", "AugurKernelsC"], swiftSettings: swiftSettings),
        .target(name: "AugurTokenizer", dependencies: ["AugurGGUF"], swiftSettings: swiftSettings),
        .target(
            name: "AugurModels",
            dependencies: ["AugurGGUF", "AugurKernels", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .target(name: "AugurSampling", swiftSettings: swiftSettings),
        .target(
            name: "AugurStore",
            dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: swiftSettings),
        .target(
            name: "AugurEngine",
            dependencies: ["AugurGGUF", "AugurModels", "AugurTokenizer", "AugurSampling", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings),
        .target(
            name: "AugurSpeculative",
            dependencies: ["AugurEngine", "AugurModels", "AugurSampling", "AugurTokenizer", "AugurGGUF"],
            swiftSettings: swiftSettings),
        .target(name: "AugurBench", dependencies: ["AugurEngine"], swiftSettings: swiftSettings),
        .target(
            name: "AugurServer",
            dependencies: [
                "AugurEngine", "AugurSpeculative", "AugurModels", "AugurSampling", "AugurTokenizer",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .executableTarget(
            name: "augur",
            dependencies: [
                "AugurBench", "AugurEngine", "AugurServer", "AugurSpeculative", "AugurStore", "AugurModels", "AugurTokenizer", "AugurSampling", "AugurGGUF", "AugurKernels",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings),
        .target(name: "AugurTestSupport", dependencies: ["AugurGGUF", "AugurStore", "AugurSampling"], path: "Tests/AugurTestSupport", swiftSettings: swiftSettings),
        .testTarget(name: "AugurGGUFTests", dependencies: ["AugurGGUF", "AugurKernels", "AugurTestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "AugurKernelsTests", dependencies: ["AugurKernels", "AugurGGUF", "AugurTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurTokenizerTests", dependencies: ["AugurTokenizer", "AugurGGUF", "AugurTestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "AugurModelsTests", dependencies: ["AugurModels", "AugurTokenizer", "AugurGGUF", "AugurTestSupport"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        .testTarget(name: "AugurSamplingTests", dependencies: ["AugurSampling"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurStoreTests", dependencies: ["AugurStore"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurSpeculativeTests", dependencies: ["AugurSpeculative", "AugurEngine", "AugurModels", "AugurSampling", "AugurTokenizer", "AugurTestSupport"], swiftSettings: swiftSettings),
        .testTarget(name: "AugurBenchTests", dependencies: ["AugurBench", "AugurEngine"], swiftSettings: swiftSettings),
        .testTarget(
            name: "AugurServerTests",
            dependencies: ["AugurServer", "AugurEngine", "AugurSpeculative", "AugurModels", "AugurSampling", "AugurTestSupport"],
            swiftSettings: swiftSettings),
        .testTarget(name: "AugurEngineTests", dependencies: ["AugurEngine", "AugurModels", "AugurTokenizer", "AugurSampling", "AugurTestSupport"], swiftSettings: swiftSettings),
    ]
)
