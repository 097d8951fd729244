// Why: the PV console driver on a ByteRing (struct xencons_interface). Output is batched
// in a buffer allocated at boot and pushed on Flush with ONE event-channel notification
// per flush (xenconsoled rate-limits events). When the ring is full we notify and sleep on
// the port (SCHEDOP_poll, absolute deadline) until the backend has consumed: output always
// drains, without spinning and without dropping.
using XenPv.Shim;
using XenPv.Shim.Io;

namespace XenPv.Console
{
    public unsafe sealed class XenConsole
    {
        public const int BufferSize = 4096;
        public const ulong FullWaitNs = 10000000; // one wait while the ring is full: 10 ms

        private ByteRing ring;
        private readonly IEventPort port;
        private readonly byte[] pending;
        private int count;

        private RingPump pump;
        private int readNotifications;

        // Diagnostics (and tests): waits because the ring was full, notifications sent.
        public int FullWaits { get { return pump.Waits; } }
        public int Notifications { get { return pump.Notifications + readNotifications; } }

        public XenConsole(byte* ringPage, IEventPort port)
        {
            ring = new ByteRing(ringPage, RingLayout.Console);
            this.port = port;
            pending = new byte[BufferSize];
        }

        public int RingResets { get { return ring.Resets; } }
        public int Buffered { get { return count; } }

        public void Write(byte* data, int n)
        {
            for (int i = 0; i < n; i++)
            {
                if (count == BufferSize) Flush();
                pending[count++] = data[i];
            }
        }

        /// <summary>Echo of typed input: never waits, so reading input never stalls behind
        /// a slow backend. Output still buffered goes first, as far as the ring takes it now;
        /// then the echo as far as it fits; the rest of the echo is dropped (EchoDropped).
        /// Returns the echo bytes that went into the ring. Not the kernel's echo path any more:
        /// dropping the middle of a pasted line's echo garbled transcripts (XenPlatform).</summary>
        public int WriteNoWait(byte* data, int n)
        {
            int moved = 0;
            if (count > 0)
            {
                fixed (byte* p = pending) moved = ring.Write(p, count);
                for (int i = moved; i < count; i++) pending[i - moved] = pending[i];
                count -= moved;
            }
            int done = count == 0 ? ring.Write(data, n) : 0;
            if (moved + done > 0) port.Notify();
            EchoDropped += n - done;
            return done;
        }

        public long EchoDropped;

        /// <summary>Absolute time (ns) after which every flush gives up, also the one Write
        /// makes when its buffer is full: the panic path sets it, so a dead backend cannot
        /// keep a crashing guest alive. 0 (normal running): wait as long as the backend needs.</summary>
        public ulong GiveUpAtNs;

        /// <summary>At most this many waits per bounded flush, in case the clock does not move.</summary>
        public const int MaxBoundedWaits = 1000;

        public void Flush() { Flush(GiveUpAtNs); }

        // Pushes the buffer into the ring. deadlineNs = 0: wait as long as the backend needs
        // (normal output must not be lost). Otherwise (the panic path, where a dead backend
        // must not stop the crash report from ending in a crash) give up at the deadline or
        // after MaxBoundedWaits waits, drop what is left and return false.
        public bool Flush(ulong deadlineNs)
        {
            if (count == 0) return true;
            int done;
            if (deadlineNs == 0 && WatchCtrlC) done = FlushWatchingCtrlC();
            else fixed (byte* p = pending) done = pump.Transfer(ref ring, port, p, count, true, deadlineNs, FullWaitNs, MaxBoundedWaits);
            bool complete = done == count;
            if (!complete) { port.Notify(); readNotifications++; }   // what did fit still gets read
            count = 0;
            return complete;
        }

        /// <summary>The REPL's console: Ctrl-C typed while output waits for a full ring must still
        /// reach the running form (issue 14), which cannot poll while it waits here. Between
        /// bounded waits the input is looked at (peeked, not taken: the poller reads it as
        /// usual); a Ctrl-C there drops the output still waiting (CtrlCDropped) and returns, so
        /// the form reaches its next safe point and the debugger opens.</summary>
        public bool WatchCtrlC;
        public long CtrlCDropped;
        public const ulong CtrlCCheckNs = 50000000;      // look at the input every 50 ms of waiting

        int FlushWatchingCtrlC()
        {
            int done = 0;
            fixed (byte* p = pending)
                while (done < count)
                {
                    done += pump.Transfer(ref ring, port, p + done, count - done, true, port.NowNs() + CtrlCCheckNs, FullWaitNs, 5);
                    if (done < count && CtrlCTyped()) { CtrlCDropped += count - done; break; }
                }
            return done;
        }

        bool CtrlCTyped()
        {
            byte* b = stackalloc byte[1024];      // the input ring's size (struct xencons_interface)
            int k = ring.Peek(b, 1024);
            for (int i = 0; i < k; i++) if (b[i] == 0x03) return true;
            return false;
        }

        // Non-blocking: bytes read (0 if none). Tells the backend there is room again.
        public int Read(byte* dst, int max)
        {
            int k = ring.Read(dst, max);
            if (k > 0) { port.Notify(); readNotifications++; }
            return k;
        }

        public int InAvailable { get { return ring.InAvailable; } }

        // Sleeps until input may be there or the deadline (absolute Xen time, 0 = none) passed.
        // Clear the pending bit first, then check the ring: an event after the check wakes the poll.
        public void WaitForInput(ulong absoluteDeadlineNs)
        {
            port.ClearPending();
            if (ring.InAvailable > 0) return;
            port.WaitUntil(absoluteDeadlineNs);
        }
    }
}
