// The primitives under the Lisp thread API (lisp/60-threads.lisp): threads are named by
// fixnum handles (pool slot + serial), so a stale handle never reaches a reused slot.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Builtins
{
    static void RegisterThreads(Builtins b)
    {
        b.Def("%THREAD-CREATE", 2, 2, &ThreadCreate);
        b.Def("%THREAD-YIELD", 0, 0, &ThreadYield);
        b.Def("%THREAD-CURRENT", 0, 0, &ThreadCurrent);
        b.Def("%THREAD-STATUS", 1, 1, &ThreadStatus);
        b.Def("%THREAD-RESULT", 1, 1, &ThreadResult);
        b.Def("%THREAD-NAME", 1, 1, &ThreadName);
        b.Def("%THREAD-HANDLES", 0, 0, &ThreadHandles);
        b.Def("%THREADS-OTHER-RUNNABLE-P", 0, 0, &ThreadsOtherRunnable);
        b.Def("%PLATFORM-SLEEP", 1, 1, &PlatformSleep);
    }

    static ulong ThreadCreate(Vm vm, Args a)
    {
        int id = vm.CreateThread(a[0], a[1]);
        if (id < 0) return W.Nil;
        return M.Fix(Vm.Handle(vm.Threads[id]));
    }

    static ulong ThreadYield(Vm vm, Args a) { vm.RequestYield(); return W.Nil; }
    static ulong ThreadCurrent(Vm vm, Args a) { return M.Fix(Vm.Handle(vm.Th)); }

    static LispThread HandleArg(Vm vm, ulong h) { return M.IsFix(h) ? vm.FromHandle(M.FixVal(h)) : null; }

    static ulong ThreadStatus(Vm vm, Args a)
    {
        LispThread t = HandleArg(vm, a[0]);
        if (t == null) return vm.Intern(":GONE");
        switch (t.State)
        {
            case ThreadState.Runnable: return vm.Intern(":RUNNING");
            case ThreadState.Done: return vm.Intern(":DONE");
            default: return vm.Intern(":ABORTED");
        }
    }

    static ulong ThreadResult(Vm vm, Args a)
    {
        LispThread t = HandleArg(vm, a[0]);
        return t == null ? W.Nil : t.Result;
    }

    static ulong ThreadName(Vm vm, Args a)
    {
        LispThread t = HandleArg(vm, a[0]);
        return t == null ? W.Nil : t.Name;
    }

    static ulong ThreadHandles(Vm vm, Args a)
    {
        ulong l = W.Nil;
        for (int i = vm.Threads.Length - 1; i >= 0; i--)
        {
            LispThread t = vm.Threads[i];
            if (t.State != ThreadState.Runnable) continue;
            l = vm.Heap.Cons(M.Fix(Vm.Handle(t)), l);
        }
        return l;
    }

    static ulong ThreadsOtherRunnable(Vm vm, Args a) { return vm.Bool(vm.LiveThreads > 1); }

    static ulong PlatformSleep(Vm vm, Args a)
    {
        if (!M.IsFix(a[0])) return vm.TypeError(a[0], "FIXNUM");
        vm.FlushConsole();
        vm.Platform.Sleep(M.FixVal(a[0]));
        return W.Nil;
    }
}
