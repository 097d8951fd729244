// Regression: under GC stress, interning while building the VM made a second EQ symbol in
// COMMON-LISP (the reader then found the one without a function). Every name interned
// externally must stay unique and findable after each step, with collections at every
// allocation.
using LispVm.Gc;
using Xunit;

namespace LispVm.Tests.Gc;

public class InternStressTests
{
    [Fact]
    public void External_interning_under_gc_stress_never_duplicates_a_symbol()
    {
        var heap = new Heap(new LispVm.Hosted.HostedFrameSource(), 256UL << 20,
            new HeapOptions { LimitBytes = 256UL << 20, StressMinorEvery = 1, StressFullEvery = 7 });
        ulong cl = heap.CommonLispPackage;
        var names = new List<string>();
        for (int i = 0; i < 3000; i++) names.Add("SYM-" + i);
        for (int i = 0; i < names.Count; i++)
        {
            heap.InternExternal(names[i], heap.CommonLispPackage);
            if (i % 97 == 0 || i == names.Count - 1)
                for (int j = 0; j <= i; j++)
                {
                    heap.FindSymbol(names[j], heap.CommonLispPackage, out SymbolStatus st);
                    Assert.True(st == SymbolStatus.External, $"{names[j]} not external after interning {names[i]}: {st}");
                }
        }
        // Interning again finds the same symbols (no new ones).
        int before = heap.HashCount(heap.PackageExternalTable(heap.CommonLispPackage));
        foreach (var n in names) heap.InternExternal(n, heap.CommonLispPackage);
        Assert.Equal(before, heap.HashCount(heap.PackageExternalTable(heap.CommonLispPackage)));
        heap.Destroy();
    }
}

public class VmInternStressTests
{

    internal static int CountNamedPublic(Heap heap, ulong table, string name) => CountNamed(heap, table, name);

    static int CountNamed(Heap heap, ulong table, string name)
    {
        int n = 0, lim = heap.HashEntryLimit(table);
        for (int i = 0; i < lim; i++)
            if (heap.HashEntryAt(table, i, out ulong k, out ulong v) && heap.IsString(k) && LispVm.Eval.M.Len(k) == name.Length)
            {
                bool same = true;
                for (int c = 0; c < name.Length; c++) if (heap.StringChar(k, c) != name[c]) { same = false; break; }
                if (same) n++;
            }
        return n;
    }

    [Fact]
    public void Building_a_vm_under_gc_stress_makes_each_cl_symbol_once()
    {
        var o = new HeapOptions { LimitBytes = 256UL << 20, StressMinorEvery = 1, StressFullEvery = 64 };
        var heap = new Heap(new LispVm.Hosted.HostedFrameSource(), o.LimitBytes, o);
        var vm = new LispVm.Eval.Vm(heap, new LispVm.Hosted.HostedPlatform(false));
        ulong cl = heap.CommonLispPackage;
        Assert.Equal(1, CountNamed(heap, heap.PackageExternalTable(cl), "EQ") + CountNamed(heap, heap.PackageInternalTable(cl), "EQ"));
        var repl = new LispVm.Eval.Repl(vm);
        LispVm.Eval.Boot.Load(vm, repl);
        cl = heap.CommonLispPackage;
        Assert.Equal(1, CountNamed(heap, heap.PackageExternalTable(cl), "EQ") + CountNamed(heap, heap.PackageInternalTable(cl), "EQ"));
        heap.Destroy();
    }
}

public class InternStressSweep
{
    [Fact]
    public void Interning_the_vm_names_under_every_full_gc_period()
    {
        var names = new List<string>(LispVm.Eval.SymNames.Names);
        names.AddRange(new[] { "ELEMENT-TYPE", "SVREF", "AREF", "%SVSET*", "%ASET*", "*TERMINAL-IO*", "*TRACE-OUTPUT*" });
        for (int i = 0; i < 400; i++) names.Add("N" + i);
        var fails = new List<string>();
        for (int full = 1; full <= 80; full++)
        {
            var heap = new Heap(new LispVm.Hosted.HostedFrameSource(), 256UL << 20,
                new HeapOptions { LimitBytes = 256UL << 20, StressMinorEvery = 1, StressFullEvery = full });
            for (int i = 0; i < names.Count && fails.Count < 5; i++)
            {
                SymbolStatus st;
                heap.FindSymbol(names[i], heap.CommonLispPackage, out st);
                if (st != SymbolStatus.External) heap.InternExternal(names[i], heap.CommonLispPackage);
                for (int j = 0; j <= i; j++)
                {
                    heap.FindSymbol(names[j], heap.CommonLispPackage, out st);
                    if (st != SymbolStatus.External) { fails.Add($"full={full}: after {names[i]} (#{i}) {names[j]} is {st}"); break; }
                }
            }
            heap.Destroy();
        }
        Assert.True(fails.Count == 0, string.Join("\n", fails));
    }
}

public class VmStartUnderGcStressSweep
{
    // The session-2 "second EQ symbol" bug: InitIo held a freshly interned symbol in a C#
    // local across another Intern (which may allocate and collect), then stored through the
    // stale copy into from-space, corrupting whatever the nursery held next (the CL table's
    // index). It showed only with four more start-up names (different GC timing); this sweep
    // over full-collection periods guards the property for the names there are now.
    [Fact]
    public void Building_a_vm_under_every_full_gc_period_keeps_each_cl_symbol_findable_once()
    {
        var fails = new List<string>();
        for (int full = 1; full <= 40 && fails.Count < 3; full++)
        {
            var o = new HeapOptions { LimitBytes = 256UL << 20, StressMinorEvery = 1, StressFullEvery = full };
            var heap = new Heap(new LispVm.Hosted.HostedFrameSource(), o.LimitBytes, o);
            var vm = new LispVm.Eval.Vm(heap, new LispVm.Hosted.HostedPlatform(false));
            ulong cl = heap.CommonLispPackage;
            foreach (string name in LispVm.Eval.SymNames.Names)
            {
                if (name.StartsWith(":")) continue;
                // Present in COMMON-LISP (internal until the boot's 98-exports.lisp exports
                // the standard ones).
                heap.FindSymbol(name, cl, out SymbolStatus st);
                if (st != SymbolStatus.External && st != SymbolStatus.Internal) { fails.Add($"full={full}: {name} is {st}"); break; }
            }
            int eq = VmInternStressTests.CountNamedPublic(heap, heap.PackageExternalTable(cl), "EQ")
                   + VmInternStressTests.CountNamedPublic(heap, heap.PackageInternalTable(cl), "EQ");
            if (eq != 1) fails.Add($"full={full}: {eq} symbols named EQ");
            heap.Destroy();
        }
        Assert.True(fails.Count == 0, string.Join("; ", fails));
    }
}
