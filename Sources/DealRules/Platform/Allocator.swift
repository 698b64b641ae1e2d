import Glibc
import Synchronization

/// The C allocator's settings for a process that loads large rule sets.
public enum Allocator {
    /// Keeps memory that was freed for the next allocations instead of handing it back to the
    /// system at once.
    ///
    /// A large rule set is parsed and checked on several threads. Each thread allocates from its
    /// own glibc arena. By default an arena other than the main one gives its freed top back to
    /// the system as soon as it is larger than 128 KiB, and allocations of 128 KiB or more are
    /// mapped and unmapped one by one. Then the next load takes every page again, through a page
    /// fault. Loading 10,000 rules eleven times in one process took 36,000 page faults with the
    /// defaults and 7,500 with these settings.
    ///
    /// The new limits are those glibc reaches by itself in the main arena: up to 64 MiB of freed
    /// memory is kept, and blocks under 32 MiB come from the arenas.
    ///
    /// The heap also grows 4 MiB at a time rather than 128 KiB (untouched memory costs nothing
    /// until it is written): a load of 10,000 rules asked the system for more 7 times, not 63;
    /// and the main heap is grown by 24 MiB at once, in huge pages (`growMainHeap`).
    ///
    /// Small freed blocks also go straight back to the arena's bins, not first to its "fast
    /// bins": glibc merges those all at once when a large block is next asked for, which was a
    /// pause of about 2 ms inside each load of 10,000 rules (4% of it; deciding is unchanged).
    ///
    /// `RuleSet.load` calls it itself, once, the first time it loads a large rule set on several
    /// threads; a process that wants the settings from its start (the `dealrules` command, a
    /// benchmark measured as the command runs) calls it early in `main`. The settings are the
    /// process's: a program that tunes glibc's allocator itself may set them back after. It
    /// does nothing where the C library is not glibc. Returns whether the allocator took them.
    @discardableResult
    public static func keepFreedMemory() -> Bool {
        // `mallopt` is in <malloc.h>, which the Glibc module does not bring in.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3, maxFast: Int32 = 1  // M_TRIM_THRESHOLD, …, M_MXFAST
        let took = mallopt(trimThreshold, 64 << 20) == 1 && mallopt(mmapThreshold, 32 << 20) == 1 && mallopt(maxFast, 0) == 1
            && mallopt(topPad, 4 << 20) == 1
        keeping.store(took, ordering: .relaxed)
        if took { growMainHeap() }
        return took
    }

    /// Whether `keepFreedMemory`'s settings hold (`returnFreedMemory` ends them).
    private static let keeping = Atomic<Bool>(false)

    /// Grows the main heap by 24 MiB at once (the memory untouched: no page is taken until it
    /// is written) and asks the kernel for that memory in huge pages (2 MiB, `MADV_HUGEPAGE`;
    /// transparent huge pages are given on request on Debian). A load of 10,000 rules writes
    /// about 25 MiB of fresh memory: 6,600 page faults in 4 KiB pages, 1,400 so, and a sixth of
    /// its time on one processor (58.5 -> 48.2 ms, medians of 11 first loads). (What glibc's `glibc.malloc.hugetlb=1` tunable does, which
    /// only the environment can set, before the process starts.)
    private static func growMainHeap() {
        guard let before = sbrk(0).map(UnsafeMutableRawPointer.init) else { return }
        let block = malloc(24 << 20)
        keepAllocation(block)
        if let after = sbrk(0).map(UnsafeMutableRawPointer.init), after > before {
            askForHugePages(before, after - before)
        }
        free(block)
    }

    /// Marks the whole-huge-page part of `count` bytes from `start` for huge pages.
    private static func askForHugePages(_ start: UnsafeMutableRawPointer, _ count: Int) {
        let huge = 2 << 20
        let from = (Int(bitPattern: start) + huge - 1) / huge * huge
        let to = (Int(bitPattern: start) + count) / huge * huge
        guard to > from, let p = UnsafeMutableRawPointer(bitPattern: from) else { return }
        _ = madvise(p, to - from, 14)  // MADV_HUGEPAGE
    }

    /// Hands `block` to a function found at run time, so that the compiler keeps the
    /// allocation (it removes a `free(malloc(n))`). `malloc_usable_size` is in <malloc.h>.
    private static func keepAllocation(_ block: UnsafeMutableRawPointer?) {
        typealias UsableSize = @convention(c) (UnsafeMutableRawPointer?) -> Int
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_usable_size") else { return }
        _ = unsafeBitCast(symbol, to: UsableSize.self)(block)
    }

    /// Gives freed memory back to the system (a long-running service: `dealrules serve`, whose
    /// memory must come back down after a burst): the heap's free top beyond 1 MiB, and blocks
    /// of 1 MiB or more mapped on their own. Below that, blocks are reused: a batch's buffers of
    /// a few hundred KiB, mapped and unmapped each time under glibc's default of 128 KiB, cost a
    /// page fault every 4 KiB. Returns whether the allocator took the settings.
    @discardableResult
    package static func returnFreedMemory() -> Bool {
        _ = keptOnce  // so that no later load sets `keepFreedMemory` again
        keeping.store(false, ordering: .relaxed)
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return false }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3, maxFast: Int32 = 1  // M_TRIM_THRESHOLD, …, M_MXFAST
        return mallopt(trimThreshold, 1 << 20) == 1 && mallopt(mmapThreshold, 1 << 20) == 1 && mallopt(maxFast, 128) == 1
            && mallopt(topPad, 128 << 10) == 1
    }

    /// Grows the calling thread's glibc arena by 16 MiB at once, the memory untouched, and asks
    /// for that memory in huge pages (see `growMainHeap`). An arena other than the main one
    /// otherwise grows by what each allocation lacks, with an `mprotect` call each time: 1,100
    /// to 1,600 calls in a load of 10,000 rules, each taking the process's memory-map lock,
    /// which the other thread's page faults then wait for. Only while `keepFreedMemory`'s
    /// settings hold: then the block comes from the arena (under the 32 MiB mapping threshold)
    /// and stays there once freed.
    static func growThreadArena() {
        guard keeping.load(ordering: .relaxed), let block = malloc(16 << 20) else { return }
        keepAllocation(block)
        // Only the block's own memory, which the arena hands out next once it is freed (not
        // the rest of the arena's heap, whose bounds are glibc's to know: under a sanitizer or
        // valgrind the block is not in a glibc arena at all).
        askForHugePages(block, 16 << 20)
        free(block)
    }

    /// Sets `keepFreedMemory` the first time a load is about to use several threads.
    static func beforeLoadingOnThreads() { _ = keptOnce }

    private static let keptOnce: Bool = keepFreedMemory()
}
