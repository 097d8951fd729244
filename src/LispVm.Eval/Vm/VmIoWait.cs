// Why: green threads that wait for I/O (a socket stream's input or output room, an accept)
// must let busy threads run and, when every thread waits, sleep on the platform instead of
// spinning through thread-yield. %IO-WAIT marks the caller waiting (cleared when the
// scheduler runs it again, SwitchTo): if some other runnable thread is busy it yields; if
// all wait, it waits on the platform (an event: a frame, console input; or the time) once
// for the whole round. Also: per-thread interrupts (a network session's IAC IP) and the
// console's hook for serving background threads while its prompt is idle.
using LispVm.Gc;

namespace LispVm.Eval;

public sealed unsafe partial class Vm
{
    /// <summary>Longest single platform wait in %IO-WAIT (µs): waits are re-checked this often.</summary>
    public const long IoWaitSliceMicros = 50000;

    /// <summary>True while some green thread besides the main one is alive: the console's
    /// idle prompt then runs them (%IDLE-SERVE) instead of just waiting for input.</summary>
    public bool BackgroundThreadsAlive { get { return LiveThreads > 1; } }

    /// <summary>Set by the network REPL (%SERVE-AT-EOF): the console's idle prompt runs the
    /// background threads (%IDLE-SERVE) instead of only waiting for input, and at the end of
    /// console input the image keeps serving them instead of exiting. Off (no repl=), the
    /// console behaves as before: background threads run only while a form runs.</summary>
    public bool ServeInBackground;

    /// <summary>A socket stream's reader found its buffer empty (Builtins.SocketGet).</summary>
    internal bool SocketStarved;
    internal LispVm.Reader.IReadSource SocketReadSource;

    /// <summary>A per-thread interrupt taken at this safe point: INTERACTIVE-INTERRUPT.</summary>
    int ThreadInterrupt()
    {
        Th.InterruptPending = false;
        PendN = 1; Pend[0] = Syms[(int)S.InteractiveInterrupt];
        RecomputeStepCap();
        return 1;
    }

    /// <summary>Asks thread t to stop its current form (INTERACTIVE-INTERRUPT at its next safe point).</summary>
    internal void InterruptThread(LispThread t)
    {
        t.InterruptPending = true;
        t.IoWaiting = false;
        RequestYield();
    }

    bool OtherBusy()
    {
        for (int i = 0; i < Threads.Length; i++)
        {
            LispThread t = Threads[i];
            if (t != Th && t.State == ThreadState.Runnable && t.SwitchBase >= 0 && !t.IoWaiting) return true;
        }
        return false;
    }

    /// <summary>%IO-WAIT's body: yield to a busy thread, else wait on the platform up to
    /// micros (at most IoWaitSliceMicros) and give every waiter one more look.</summary>
    internal void IoWait(long micros)
    {
        Th.IoWaiting = true;
        if (OtherBusy()) { RequestYield(); return; }
        if (micros > IoWaitSliceMicros) micros = IoWaitSliceMicros;
        FlushConsole();
        if (micros > 0) Platform.WaitForEvent(micros);
        for (int i = 0; i < Threads.Length; i++) if (Threads[i] != Th) Threads[i].IoWaiting = false;
        if (LiveThreads > 1) RequestYield();
    }
}
