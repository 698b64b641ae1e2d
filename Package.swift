// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "dealrules",
    products: [
        .executable(name: "dealrules", targets: ["DealRulesCLI"]),
        // `dealrules serve` runs this program, installed beside `dealrules` (docs/service.md).
        .executable(name: "dealrules-server", targets: ["DealRulesServerCLI"]),
        .library(name: "DealRules", targets: ["DealRules"]),
        .library(name: "DealRulesREPL", targets: ["DealRulesREPL"]),
        // The C interface (include/dealrules.h), for tools in any language.
        .library(name: "DealRulesC", type: .dynamic, targets: ["DealRulesC"]),
        // The language server (`dealrules lsp`), a library for the fuzzers and benchmarks.
        .library(name: "DealRulesLSP", targets: ["DealRulesLSP"]),
        // For the fuzzers and benchmarks (separate packages beside this one); not for users.
        .library(name: "DealRulesTestSupport", targets: ["DealRulesTestSupport"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation --target DealRules`: the library's reference.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // `dealrules serve`: the HTTP service. Hummingbird without its default traits, so that
        // it uses FoundationEssentials and not the whole of Foundation (start-up: see
        // Tests/CLITests/StartupTests.swift).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // SHA-256 of the loaded rule files: the version every answer of the service names.
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
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

        // MARK: The HTTP service (`dealrules serve`): the routes over the library's façade, on Hummingbird.
        .target(
            name: "DealRulesServer",
            dependencies: [
                "DealRules",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            exclude: ["README.md"],
            resources: [
                .embedInCode("Resources/openapi.yaml"),
                // The deal desk (GET /): built into the binary, so the service is still one file.
                .embedInCode("Resources/web/index.html"),
                .embedInCode("Resources/web/app.js"),
                .embedInCode("Resources/web/style.css"),
            ]
        ),

        // MARK: The language server (`dealrules lsp`): JSON-RPC over stdio, on the library.
        .target(name: "DealRulesLSP", dependencies: ["DealRules"]),

        // MARK: The executables: one thin file per subcommand, over what both share (options, output, exit codes).
        .target(
            name: "DealRulesCommandLine",
            dependencies: ["DealRules", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "DealRulesCLI",
            dependencies: [
                "DealRules",
                "DealRulesREPL",
                "DealRulesLSP",
                "DealRulesCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/dealrules"
        ),
        // The server is a program of its own: linked into `dealrules`, its libraries made every
        // other command slower to start (README, "Performance").
        .executableTarget(
            name: "DealRulesServerCLI",
            dependencies: [
                "DealRules",
                "DealRulesServer",
                "DealRulesCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/dealrules-server"
        ),

        // MARK: Test support: random rule sets and deals (tests, fuzzing, the differential oracle).
        .target(name: "DealRulesTestSupport", dependencies: ["DealRules", "DealRulesREPL", "DealRulesLSP", "DealRulesServer"]),

        // MARK: Tests
        .testTarget(name: "DealRulesTests", dependencies: ["DealRules", "DealRulesTestSupport"], exclude: ["Fixtures", "README.md"]),
        .testTarget(name: "DealRulesREPLTests", dependencies: ["DealRulesREPL", "DealRulesTestSupport"], exclude: ["README.md", "Fixtures"]),
        .testTarget(name: "DealRulesLSPTests", dependencies: ["DealRulesLSP"], exclude: ["README.md"]),
        .testTarget(name: "DealRulesServerTests", dependencies: ["DealRulesServer"], exclude: ["README.md"]),
        .testTarget(name: "CLITests", dependencies: ["DealRulesCLI", "DealRulesTestSupport"], exclude: ["README.md", "Fixtures"]),
    ],
    swiftLanguageModes: [.v6]
)
