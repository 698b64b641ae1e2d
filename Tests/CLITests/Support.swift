import Foundation
import Testing

let packageRoot: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

/// The `dealrules` binary built beside the test runner.
let binary: URL = {
    let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dealrules")
    if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
    return packageRoot.appendingPathComponent(".build/debug/dealrules")
}()

struct Run {
    let status: Int32
    let stdout: String
    let stderr: String
}

/// Runs `dealrules` with arguments, in the package root, with optional stdin.
func dealrules(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
               directory: URL = packageRoot) throws -> Run {
    try run(binary, arguments, stdin: stdin, environment: environment, directory: directory)
}

/// Runs a program (found on PATH when `program` is a bare name), waits for it, and returns
/// its status and output.
func run(_ program: String, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
         directory: URL = packageRoot) throws -> Run {
    try run(URL(fileURLWithPath: "/usr/bin/env"), [program] + arguments, stdin: stdin, environment: environment,
            directory: directory)
}

func run(_ executable: URL, _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:],
         directory: URL = packageRoot) throws -> Run {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    p.currentDirectoryURL = directory
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    p.environment = env
    // Output goes to files, so a child that writes a lot never blocks on a full pipe.
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let outURL = dir.appendingPathComponent("out"), errURL = dir.appendingPathComponent("err")
    _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
    let input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    try p.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    p.waitUntilExit()
    try out.close()
    try err.close()
    return Run(status: p.terminationStatus, stdout: try String(contentsOf: outURL, encoding: .utf8),
               stderr: try String(contentsOf: errURL, encoding: .utf8))
}

func json(_ text: String) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
}

/// A new empty folder, inside one folder per test run that is removed when the run ends.
func temporaryDirectory() throws -> URL {
    let url = testRunFolder.appendingPathComponent(UUID().uuidString)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

private let testRunFolder: URL = {
    atexit { try? FileManager.default.removeItem(at: runFolder(getpid())) }
    return runFolder(getpid())
}()

private func runFolder(_ pid: pid_t) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("dealrules-tests-\(pid)")
}
