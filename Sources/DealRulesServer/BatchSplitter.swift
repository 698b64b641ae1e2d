import DealRules

import Glibc

/// Cuts a batch body, as it arrives, into one entry per deal: the lines of JSON lines, or the
/// elements of a JSON array. Each deal is answered in its place, as `eval --deals` answers a
/// line: one longer than the limit becomes a "too long" entry (its bytes are skipped, not
/// kept), a blank line gets no answer. Memory is bounded by one deal, whatever the body's size.
package struct BatchSplitter {
    package enum Kind: Sendable { case jsonLines, jsonArray }

    let kind: Kind
    let maxDeal: Int
    /// The deal being gathered (bytes since the last cut).
    private var current: [UInt8] = []
    /// Bytes of the current deal, counted also once it is too long to keep.
    private var length = 0
    private var first = true

    // A JSON array: where the scan is.
    private enum ArrayPhase { case before, inside, after }
    private var phase = ArrayPhase.before
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// Bytes read in all, and the line and column reached, for the place of an error.
    private var offset = 0
    private var line = 1
    private var column = 1
    /// Bytes of a byte-order mark skipped so far.
    private var bom = 0
    /// Elements of the array cut so far.
    private var elements = 0

    package init(_ kind: Kind, maxDeal: Int) {
        self.kind = kind
        self.maxDeal = maxDeal
    }

    /// Adds the next bytes of the body; each deal they complete goes into `batch`. A JSON array
    /// that is not one throws (its offset in the body).
    package mutating func feed(_ bytes: some Sequence<UInt8>, into batch: inout DealBatch) throws(ServiceError) {
        switch kind {
        case .jsonLines:
            let done: Void? = bytes.withContiguousStorageIfAvailable { lines($0, into: &batch) }
            if done == nil { Array(bytes).withUnsafeBufferPointer { lines($0, into: &batch) } }
        case .jsonArray:
            for b in bytes {
                try arrayByte(b, into: &batch)
                offset += 1
                if b == 0x0A {
                    line += 1
                    column = 1
                } else if b & 0xC0 != 0x80 {
                    column += 1
                }
            }
        }
    }

    /// The body has ended: the last line (without a line break) is a deal; an array must be
    /// closed.
    package mutating func finish(into batch: inout DealBatch) throws(ServiceError) {
        switch kind {
        case .jsonLines:
            if length > 0 { endLine(into: &batch) }
        case .jsonArray:
            switch phase {
            case .after: return
            case .before: throw failure("the body is empty", help: "send a JSON array of deals: [{…}, {…}]")
            case .inside:
                // The last element is answered; then the error, in the place of the missing `]`.
                if length > 0, depth == 0, !inString { endElement(into: &batch) }
                throw failure("the array is not closed: `]` is missing at the end of the body")
            }
        }
    }

    /// JSON lines: each whole line of `bytes` goes into the batch as it is (no copy in between);
    /// only a line cut by the end of `bytes` is kept until the rest arrives.
    private mutating func lines(_ bytes: UnsafeBufferPointer<UInt8>, into batch: inout DealBatch) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count {
            guard let found = memchr(base + start, 0x0A, bytes.count - start) else {
                keep(UnsafeBufferPointer(rebasing: bytes[start...]))
                return
            }
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            if length == 0, end - start <= maxDeal {
                // As DealBatch.jsonlContent reads a line, on the buffer itself: a BOM on the
                // first line and a final CR are dropped, a blank line gets no answer.
                var from = start, to = end
                if first, to - from >= 3, base[from] == 0xEF, base[from + 1] == 0xBB, base[from + 2] == 0xBF { from += 3 }
                if to > from, base[to - 1] == 0x0D { to -= 1 }
                let line = UnsafeBufferPointer(rebasing: bytes[from..<to])
                if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { batch.append(line: line) }
                first = false
            } else {
                keep(UnsafeBufferPointer(rebasing: bytes[start..<end]))
                endLine(into: &batch)
            }
            start = end + 1
        }
    }

    private mutating func keep(_ part: UnsafeBufferPointer<UInt8>) {
        let room = max(0, maxDeal + 1 - length)
        length += part.count
        if room > 0 { current.append(contentsOf: part.prefix(room)) }
    }

    private mutating func keep(_ b: UInt8) {
        length += 1
        if length <= maxDeal { current.append(b) }
    }

    /// A line of JSON lines ends: a blank one is dropped (as `eval --deals` does).
    private mutating func endLine(into batch: inout DealBatch) {
        defer {
            current.removeAll(keepingCapacity: current.capacity <= 1 << 16)
            length = 0
            first = false
        }
        if length > maxDeal {
            batch.appendTooLong(bytes: length)
        } else if let line = DealBatch.jsonlContent(current[...], first: first) {
            batch.append(line: line)
        }
    }

    private mutating func arrayByte(_ b: UInt8, into batch: inout DealBatch) throws(ServiceError) {
        let space = b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09
        switch phase {
        case .before:
            if space { return }
            if offset == 0, b == 0xEF { bom = 1; return }
            if bom > 0, bom < 3 { bom += 1; return }
            guard b == UInt8(ascii: "[") else {
                throw failure("the body is not a JSON array", help: "send a JSON array of deals ([{…}, {…}]) as application/json, or one deal a line as application/x-ndjson")
            }
            phase = .inside
        case .after:
            if !space { throw failure("there is more after the array's `]`") }
        case .inside:
            if inString {
                keep(b)
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                return
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
                keep(b)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                keep(b)
            case UInt8(ascii: "}"):
                depth -= 1
                keep(b)
            case UInt8(ascii: "]") where depth > 0:
                depth -= 1
                keep(b)
            case UInt8(ascii: "]"):
                // The array's own end; `[]` and `[…, x]`.
                if length > 0 || elements > 0 { endElement(into: &batch) }
                phase = .after
            case UInt8(ascii: ",") where depth == 0:
                endElement(into: &batch)
            default:
                if space, length == 0 { return }
                keep(b)
            }
        }
    }

    /// An element of the array ends: an empty one (`[1,,2]`) is answered as a deal that is not
    /// JSON, in its place.
    private mutating func endElement(into batch: inout DealBatch) {
        if length > maxDeal {
            batch.appendTooLong(bytes: length)
        } else {
            batch.append(line: current)
        }
        elements += 1
        current.removeAll(keepingCapacity: current.capacity <= 1 << 16)
        length = 0
    }

    private func failure(_ message: String, help: String = "the body must be JSON (RFC 8259)") -> ServiceError {
        ServiceError(Diagnostic(.invalidJSON, message, help: help), line: line, column: column, status: 400)
    }
}
