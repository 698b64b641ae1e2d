// swift-tools-version: 6.0
// libFuzzer targets for dealrules, in their own package so the main build stays small.
// Build and run them with Fuzz/run (it uses its own --scratch-path, .build-fuzz).
import Foundation
import PackageDescription

// A path dependency is named after its folder, which differs between checkouts.
let mainPackage = URL(fileURLWithPath: Context.packageDirectory).deletingLastPathComponent().lastPathComponent

func fuzzer(_ name: String, _ products: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: products.map { .product(name: $0, package: mainPackage) },
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "DealRulesFuzz",
    dependencies: [.package(path: "..")],
    targets: [
        fuzzer("FuzzLoad", ["DealRules", "DealRulesTestSupport"]),
        fuzzer("FuzzDecide", ["DealRules", "DealRulesTestSupport"]),
        fuzzer("FuzzREPL", ["DealRules", "DealRulesTestSupport"]),
        fuzzer("FuzzDeal", ["DealRules", "DealRulesTestSupport"]),
        fuzzer("FuzzLSP", ["DealRulesTestSupport"]),
        fuzzer("FuzzService", ["DealRulesTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
