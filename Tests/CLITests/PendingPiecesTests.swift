import DealRulesCommandLine
import Glibc
import Testing

/// `Output.write(_:)` hands a batch's chunks to one `writev`, which may write only part of
/// them: what is left must be the rest of the bytes, in order, from wherever the call stopped.
@Suite struct PendingPiecesTests {
    /// The bytes still to write, as `writev` would take them next.
    static func left(_ pending: PendingPieces) -> [UInt8] {
        pending.withVectors { vectors in
            vectors.flatMap { Array(UnsafeRawBufferPointer(start: $0.iov_base, count: $0.iov_len)) }
        }
    }

    @Test(arguments: [1, 2, 3, 5, 7, 100])
    func whatIsLeftIsTheRestOfTheBytesWhereverAWriteStops(step: Int) {
        let pieces: [[UInt8]] = [[1, 2, 3], [], [4], [5, 6, 7, 8, 9], [], [10, 11]]
        let all = pieces.flatMap { $0 }
        let buffers = pieces.map { p in
            let b = UnsafeMutableRawBufferPointer.allocate(byteCount: p.count, alignment: 1)
            b.copyBytes(from: p)
            return UnsafeRawBufferPointer(b)
        }
        defer { for b in buffers { b.deallocate() } }
        var pending = PendingPieces(buffers)
        var written = 0
        #expect(Self.left(pending) == all)
        while written < all.count {
            let n = min(step, all.count - written)
            pending.drop(n)
            written += n
            #expect(Self.left(pending) == Array(all[written...]), "after \(written) bytes")
        }
        #expect(pending.isEmpty)
    }

    @Test func nothingToWriteIsEmptyAtOnce() {
        #expect(PendingPieces([]).isEmpty)
        let empty: [UInt8] = []
        empty.withUnsafeBytes { #expect(PendingPieces([$0, $0]).isEmpty) }
    }
}
