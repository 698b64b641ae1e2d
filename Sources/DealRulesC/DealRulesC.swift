/// The C interface (`include/dealrules.h`): a thin layer over the `DealRules` library. Every
/// function here is exported under its C name; the header is the contract, and this file keeps
/// to it: opaque handles, JSON text in and out, and memory the caller releases with
/// `dealrules_free` or `dealrules_rules_free`.
import DealRules

import Glibc

/// `dealrules_version()` hands out this one allocation, for the life of the process.
nonisolated(unsafe) private let versionText: UnsafeMutablePointer<CChar> = strdup(DealRulesVersion.string)

/// Bumped with `DEALRULES_ABI_VERSION` in the header.
private let abiVersion: Int32 = 1

private let explainFlag: UInt32 = 1 << 0

@_cdecl("dealrules_version")
public func dealrulesVersion() -> UnsafePointer<CChar> {
    UnsafePointer(versionText)
}

@_cdecl("dealrules_abi_version")
public func dealrulesABIVersion() -> Int32 {
    abiVersion
}

@_cdecl("dealrules_load_paths")
public func dealrulesLoadPaths(
    _ paths: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int,
    _ diagnostics: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> OpaquePointer? {
    guard count >= 0, count == 0 || paths != nil else {
        diagnostics?.pointee = copy(invalidArgument("paths is NULL while count is \(count)", list: true))
        return nil
    }
    var list: [String] = []
    for i in 0..<count {
        guard let p = paths?[i] else {
            diagnostics?.pointee = copy(invalidArgument("paths[\(i)] is NULL", list: true))
            return nil
        }
        list.append(String(cString: p))
    }
    return finish(RuleSet.load(paths: list), diagnostics)
}

@_cdecl("dealrules_load_string")
public func dealrulesLoadString(
    _ source: UnsafePointer<CChar>?, _ name: UnsafePointer<CChar>?, _ root: UnsafePointer<CChar>?,
    _ diagnostics: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> OpaquePointer? {
    guard let source else {
        diagnostics?.pointee = copy(invalidArgument("source is NULL", list: true))
        return nil
    }
    let result = RuleSet.load(source: String(cString: source), name: name.map { String(cString: $0) } ?? "rules",
                              root: root.map { String(cString: $0) })
    return finish(result, diagnostics)
}

@_cdecl("dealrules_rules_free")
public func dealrulesRulesFree(_ rules: OpaquePointer?) {
    guard let rules else { return }
    Unmanaged<RuleSet>.fromOpaque(UnsafeRawPointer(rules)).release()
}

@_cdecl("dealrules_decide")
public func dealrulesDecide(
    _ rules: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int, _ today: UnsafePointer<CChar>?,
    _ flags: UInt32, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    Int32(answer(rules, json, length, today, flags, result) { call in
        do throws(Diagnostic) {
            let deal = try call.rules.deal(json: call.text)
            return (0, Array(call.rules.decide(deal, today: call.today, explain: call.explain).json().utf8))
        } catch {
            return (1, Array(error.errorJSON().utf8))
        }
    })
}

@_cdecl("dealrules_decide_batch")
public func dealrulesDecideBatch(
    _ rules: OpaquePointer?, _ jsonl: UnsafePointer<CChar>?, _ length: Int, _ today: UnsafePointer<CChar>?,
    _ flags: UInt32, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int {
    answer(rules, jsonl, length, today, flags, result) { call in
        var stream = DealStreamDecider(rules: call.rules, today: call.today ?? Day.localToday(), explain: call.explain)
        var out: [UInt8] = []
        stream.decide(DealBatch(jsonl: call.text), into: &out)
        return (stream.badLines, out)
    }
}

// MARK: - Advice (docs/tools.md, grammar/dealrules-advice.schema.json)

@_cdecl("dealrules_missing")
public func dealrulesMissing(
    _ rules: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int, _ today: UnsafePointer<CChar>?,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    advise(rules, json, length, today, result) { _ in .missing }
}

@_cdecl("dealrules_why")
public func dealrulesWhy(
    _ rules: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int, _ today: UnsafePointer<CChar>?,
    _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    advise(rules, json, length, today, result) { _ in .why }
}

@_cdecl("dealrules_whatif")
public func dealrulesWhatIf(
    _ rules: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int, _ facts: UnsafePointer<CChar>?,
    _ today: UnsafePointer<CChar>?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    advise(rules, json, length, today, result) { misuse in
        guard let facts else { return misuse("the facts are NULL; give one fact or more, such as \"discount = 15%\"") }
        // One fact a line, or several separated by `;` as the REPL's `:whatif` takes them.
        let list = String(cString: facts).split { $0 == "\n" || $0 == ";" }
            .map { String($0).trimmingSpaces }.filter { !$0.isEmpty }
        guard !list.isEmpty else { return misuse("no fact was given; give one or more, such as \"discount = 15%\"") }
        return .whatIf(list)
    }
}

@_cdecl("dealrules_avoid")
public func dealrulesAvoid(
    _ rules: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int, _ target: UnsafePointer<CChar>?,
    _ today: UnsafePointer<CChar>?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    advise(rules, json, length, today, result) { misuse in
        guard let target else { return misuse("the target is NULL; give an approval's name or \"deny\"") }
        let name = String(cString: target)
        return .avoid(name == "deny" ? .deny : .approval(name))
    }
}

@_cdecl("dealrules_scenario")
public func dealrulesScenario(
    _ rules: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int, _ name: UnsafePointer<CChar>?,
    _ today: UnsafePointer<CChar>?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    advise(rules, json, length, today, result) { misuse in
        guard let name else { return misuse("the scenario's name is NULL") }
        return .scenario(name: String(cString: name))
    }
}

@_cdecl("dealrules_since")
public func dealrulesSince(
    _ rules: OpaquePointer?, _ approved: UnsafePointer<CChar>?, _ approvedLength: Int, _ json: UnsafePointer<CChar>?,
    _ length: Int, _ today: UnsafePointer<CChar>?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
) -> Int32 {
    guard approvedLength >= 0, approvedLength == 0 || approved != nil else {
        result?.pointee = copy(invalidArgument("the approved deal's text is NULL", list: false))
        return -1
    }
    return Int32(answer(rules, json, length, today, 0, result) { call in
        let bytes = UnsafeBufferPointer(start: UnsafeRawPointer(approved)?.assumingMemoryBound(to: UInt8.self), count: approvedLength)
        do throws(Diagnostic) {
            let old = try call.rules.deal(json: bytes, name: "approved")
            let new = try call.rules.deal(json: call.text)
            let r = call.rules.since(approved: old, deal: new, today: call.today)
            return (r.mustAsk ? 3 : 0, Array(call.rules.sinceJSON(r, pretty: false).utf8))
        } catch {
            return (1, Array(error.errorJSON().utf8))
        }
    })
}

@_cdecl("dealrules_free")
public func dealrulesFree(_ text: UnsafeMutablePointer<CChar>?) {
    free(text)
}

// MARK: - Helpers

/// A decide call's arguments, checked.
private struct Call {
    let rules: RuleSet
    let text: UnsafeBufferPointer<UInt8>
    let today: Day?
    let explain: Bool
}

/// Checks a decide call's arguments, runs `body` on them, and hands its JSON to the caller
/// through `result`; a misuse answers -1 with an `api.invalid-argument` error instead.
private func answer(_ rules: OpaquePointer?, _ text: UnsafePointer<CChar>?, _ length: Int, _ today: UnsafePointer<CChar>?,
                    _ flags: UInt32, _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                    _ body: (Call) -> (status: Int, json: [UInt8])) -> Int {
    guard let result else { return -1 }
    func misuse(_ message: String) -> Int {
        result.pointee = copy(invalidArgument(message, list: false))
        return -1
    }
    guard let rules else { return misuse("the rule set handle is NULL") }
    guard length >= 0, length == 0 || text != nil else { return misuse("the deal text is NULL") }
    var day: Day?
    if let today {
        let t = String(cString: today)
        guard let d = Day.parse(t) else {
            return misuse("today `\(t)` is not a date; write it as YYYY-MM-DD, or pass NULL for the local date")
        }
        day = d
    }
    let bytes = text.map { UnsafeBufferPointer(start: UnsafeRawPointer($0).assumingMemoryBound(to: UInt8.self), count: length) }
        ?? UnsafeBufferPointer(start: nil, count: 0)
    let (status, json) = body(Call(rules: Unmanaged<RuleSet>.fromOpaque(UnsafeRawPointer(rules)).takeUnretainedValue(),
                                   text: bytes, today: day, explain: flags & explainFlag != 0))
    result.pointee = copy(json)
    return status
}

/// An advice call: the deal read as `dealrules_decide` reads it, the request made from the call's
/// own argument (which may be a misuse), and the advice or the first error as `{"error": …}`.
private func advise(_ rules: OpaquePointer?, _ json: UnsafePointer<CChar>?, _ length: Int, _ today: UnsafePointer<CChar>?,
                    _ result: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                    _ request: (_ misuse: (String) -> AdviceRequest?) -> AdviceRequest?) -> Int32 {
    var misused: String?
    guard let asked = request({ message in
        misused = message
        return nil
    }) else {
        result?.pointee = copy(invalidArgument(misused ?? "", list: false))
        return -1
    }
    return Int32(answer(rules, json, length, today, 0, result) { call in
        do throws(Diagnostic) {
            let deal = try call.rules.deal(json: call.text)
            do throws(LoadError) {
                return (0, Array(try call.rules.adviceJSON(asked, for: deal, today: call.today).utf8))
            } catch {
                return (1, Array((error.diagnostics.first ?? Diagnostic(.invalidArgument, "the request cannot be answered")).errorJSON().utf8))
            }
        } catch {
            return (1, Array(error.errorJSON().utf8))
        }
    })
}

private func finish(_ result: LoadResult, _ diagnostics: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> OpaquePointer? {
    diagnostics?.pointee = copy(result.diagnostics.json(pretty: false))
    guard let set = result.ruleSet else { return nil }
    return OpaquePointer(Unmanaged.passRetained(set).toOpaque())
}

/// `{"error": {...}}`, or for a load, a list of one diagnostic.
private func invalidArgument(_ message: String, list: Bool) -> String {
    list ? [Diagnostic(.invalidArgument, message)].json(pretty: false)
        : Diagnostic(.invalidArgument, message).errorJSON()
}

/// A NUL-terminated copy in memory from `malloc`, for the caller to release with `dealrules_free`.
private func copy(_ text: String) -> UnsafeMutablePointer<CChar> {
    copy(Array(text.utf8))
}

private func copy(_ bytes: [UInt8]) -> UnsafeMutablePointer<CChar> {
    let p = malloc(bytes.count + 1)!.assumingMemoryBound(to: CChar.self)
    bytes.withUnsafeBytes { raw in
        if let base = raw.baseAddress { memcpy(p, base, bytes.count) }
    }
    p[bytes.count] = 0
    return p
}

extension String {
    var trimmingSpaces: String {
        let front = drop { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(front.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
    }
}
