import Testing
@testable import DealRules

@Suite struct SourceFileTests {
    @Test func positionsCountLinesAndCharacters() {
        let src = SourceFile(path: "a.rules", text: "one\ntwo é x\n\nlast")
        #expect(src.lineCount == 4)
        #expect(src.position(of: 0) == (1, 1))
        #expect(src.position(of: 4) == (2, 1))
        // `é` is two bytes and one character.
        #expect(src.position(of: 11) == (2, 7))
        #expect(src.position(of: 13) == (3, 1))
        #expect(src.position(of: 14) == (4, 1))
        #expect(src.lineText(4) == "last")
        #expect(SourceFile(path: "empty", text: "").lineCount == 1)
        #expect(SourceFile(path: "nl", text: "\n").lineCount == 2)
    }

    @Test func utf8IsCheckedWhereverTheFirstOtherByteIs() {
        for length in 0..<20 {
            let ascii = [UInt8](repeating: UInt8(ascii: "a"), count: length)
            #expect(SourceFile.isUTF8(ascii))
            for at in 0..<length {
                var bad = ascii
                bad[at] = 0xFF
                #expect(!SourceFile.isUTF8(bad), "0xFF at \(at) of \(length)")
                var cut = ascii
                cut[at] = 0xC3  // the first byte of `é`, with no second byte
                #expect(!SourceFile.isUTF8(cut), "a cut sequence at \(at) of \(length)")
                var good = ascii
                good.replaceSubrange(at..<at + 1, with: Array("é".utf8))
                #expect(SourceFile.isUTF8(good), "é at \(at) of \(length)")
            }
        }
        // An encoded surrogate is not UTF-8.
        #expect(!SourceFile.isUTF8(Array("abcdefgh".utf8) + [0xED, 0xA0, 0x80]))
    }
}
