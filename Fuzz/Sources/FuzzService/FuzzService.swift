import DealRules
import DealRulesTestSupport

// An HTTP request (`METHOD PATH?QUERY`, a line break, the body) → the service's router, in process.
// `FuzzService --write-seeds ROOT DIR` writes its seed corpus; anything else goes to libFuzzer.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeBufferPointer(start: data, count: size)
    FuzzHarness.service(input)
    return 0
}

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

@_cdecl("FuzzService_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> Int32 {
    if argc == 4, String(cString: argv[1]!) == "--write-seeds" {
        return FuzzHarness.writeSeeds(target: "FuzzService", root: String(cString: argv[2]!), to: String(cString: argv[3]!))
    }
    var count = argc
    var arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = argv
    return LLVMFuzzerRunDriver(&count, &arguments, fuzzOne)
}
