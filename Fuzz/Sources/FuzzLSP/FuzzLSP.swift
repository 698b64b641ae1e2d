import DealRules
import DealRulesTestSupport

// One JSON-RPC message → the language server (dealrules lsp), in process, on the samples.
// `FuzzLSP --write-seeds ROOT DIR` writes its seed corpus; anything else goes to libFuzzer.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    FuzzHarness.languageServer(input)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("FuzzLSP_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    if argc == 4, String(cString: argv[1]!) == "--write-seeds" {
        return FuzzHarness.writeSeeds(target: "FuzzLSP", root: String(cString: argv[2]!), to: String(cString: argv[3]!))
    }
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOne)
}
