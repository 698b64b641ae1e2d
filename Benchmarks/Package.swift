// swift-tools-version: 6.1
// Benchmarks for dealrules (ordo-one/benchmark), in their own package so the main build stays
// small. Run them with scripts/bench from the project root; see README, "Performance".
import Foundation
import PackageDescription

// A path dependency is named after its folder, which differs between checkouts.
let mainPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

let package = Package(
    name: "DealRulesBenchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(path: ".."),
        // The default traits need a package that is not mirrored here; malloc counts are enough.
        .package(url: "https://github.com/ordo-one/package-benchmark", exact: "1.38.1", traits: ["MallocInterposer"]),
        // The framework's floor beside `dealrules serve` (scripts/bench-serve).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        .executableTarget(
            name: "DealRulesBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "DealRules", package: mainPackage),
                .product(name: "DealRulesREPL", package: mainPackage),
                .product(name: "DealRulesLSP", package: mainPackage),
            ],
            path: "Benchmarks/DealRulesBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
        // scripts/soak: memory across 1,000 loads and 1,000 `:reload`s.
        .executableTarget(
            name: "soak",
            dependencies: [
                .product(name: "DealRules", package: mainPackage),
                .product(name: "DealRulesREPL", package: mainPackage),
            ],
            path: "Soak"
        ),
        // scripts/bench-peers: the first load of a rule set in a fresh process.
        .executableTarget(
            name: "first-load",
            dependencies: [.product(name: "DealRules", package: mainPackage)],
            path: "FirstLoad"
        ),
        .executableTarget(
            name: "hummingbird-floor",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Benchmarks/HummingbirdFloor"
        ),
    ],
    swiftLanguageModes: [.v6]
)
