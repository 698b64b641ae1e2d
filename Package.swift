// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "dealrules",
    products: [
        .executable(name: "dealrules", targets: ["DealRulesCLI"]),
        .library(name: "DealRules", targets: ["DealRules"]),
        .library(name: "DealRulesREPL", targets: ["DealRulesREPL"]),
        // The C interface (include/dealrules.h), for tools in any language.
        .library(name: "DealRulesC", type: .dynamic, targets: ["DealRulesC"]),
        // For the fuzzers and benchmarks (separate packages beside this one); not for users.
        .library(name: "DealRulesTestSupport", targets: ["DealRulesTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target DealRules`: the library's reference.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // MARK: The language: lexer, parser, checker, evaluator. Never prints, never reads a terminal.
        .target(name: "DealRules"),

        // MARK: C interop: libedit, through a small shim (el_set and el_get are variadic).
        .systemLibrary(
            name: "CLibEdit",
            pkgConfig: "libedit",
            providers: [.apt(["libedit-dev"])]
        ),

        // MARK: The REPL: the session (no terminal in it) and a thin libedit loop.
        .target(name: "DealRulesREPL", dependencies: ["DealRules", "CLibEdit"]),

        // MARK: The C interface: exported functions over the library; the header is include/dealrules.h.
        .target(name: "DealRulesC", dependencies: ["DealRules"]),

        // MARK: The executable: one thin file per subcommand.
        .executableTarget(
            name: "DealRulesCLI",
            dependencies: [
                "DealRules",
                "DealRulesREPL",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/dealrules"
        ),

        // MARK: Test support: random rule sets and deals (tests, fuzzing, the differential oracle).
        .target(name: "DealRulesTestSupport", dependencies: ["DealRules", "DealRulesREPL"]),

        // MARK: Tests
        .testTarget(name: "DealRulesTests", dependencies: ["DealRules", "DealRulesTestSupport"], exclude: ["Fixtures", "README.md"]),
        .testTarget(name: "DealRulesREPLTests", dependencies: ["DealRulesREPL", "DealRulesTestSupport"], exclude: ["README.md", "Fixtures"]),
        .testTarget(name: "CLITests", dependencies: ["DealRulesCLI", "DealRulesTestSupport"], exclude: ["README.md", "Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
