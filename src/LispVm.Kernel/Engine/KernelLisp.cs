// Why: the Lisp REPL as the kernel's main loop when the engine is in the image
// (build/kernel.sh --with-engine): the same Repl the hosted lispvm drives, fed with console
// bytes, writing through IPlatform, its heap on the platform's frames. Everything is
// allocated before BootHeap.Sealed; the loop itself allocates only in the Lisp heap.
#if LISPVM_ENGINE
using LispVm.Eval;
using LispVm.Gc;

namespace LispVm.Kernel
{
    internal sealed unsafe class KernelLispPlatform : IPlatform
    {
        readonly Platform _p;
        readonly bool _crlf;
        public long BytesWritten;        // lets the console see whether the Repl printed
        public KernelLispPlatform(Platform p) { _p = p; _crlf = p.NewLine.Length == 2; }

        // The Lisp side writes "\n"; a raw console (Xen's pty) needs "\r\n". Buffered by the
        // platform: the console flushes per prompt and every 20 ms while Lisp runs.
        public void Write(byte[] buf, int len)
        {
            if (len <= 0) return;
            if (len > buf.Length) len = buf.Length;
            BytesWritten += len;
            fixed (byte* b = buf)
            {
                if (!_crlf) _p.Write(b, len);
                else
                {
                    int start = 0;
                    for (int i = 0; i < len; i++)
                    {
                        if (b[i] != (byte)'\n') continue;
                        _p.Write(b + start, i - start);
                        _p.Write(_p.NewLine);
                        start = i + 1;
                    }
                    _p.Write(b + start, len - start);
                }
            }
        }
        public long NowMicros() { return (long)(_p.MonotonicNs() / 1000); }
        public long UnixTimeMicros() { return _p.UnixTimeNs() / 1000; }
        // (quit n) on Xen powers off whatever n is (a nonzero code would read as a crash).
        public void Exit(int code) { _p.Flush(); _p.Exit(_p.NewLine.Length == 2 ? 0 : code); }
        public long FramesOwned() { return (long)_p.FramesOwned; }
        public KernelMemory Memory;
        public bool BalloonFigures(long* f) { return Memory != null && Memory.Figures(f); }
        // Files: real files when the image runs as a Linux process. On Xen every call answers
        // 95 (no file system here) and the engine uses its in-memory file store instead,
        // seeded from the ramdisk (SeedFileStore).
        bool OnLinux { get { return _p is LinuxPlatform; } }
        public long FileSize(byte* path, int len) { return OnLinux ? LinuxFiles.Size(path, len) : -95; }
        public long FileRead(byte* path, int len, byte* dst, long max) { return OnLinux ? LinuxFiles.Read(path, len, dst, max) : -95; }
        public long FileWrite(byte* path, int len, byte* src, long n, bool append) { return OnLinux ? LinuxFiles.Write(path, len, src, n, append) : -95; }
        public long FileDelete(byte* path, int len) { return OnLinux ? LinuxFiles.Delete(path, len) : -95; }
        public long DirCreate(byte* path, int len) { return OnLinux ? LinuxFiles.MakeDir(path, len) : -95; }
        // Waits on the platform (input may end a wait early: wait again until the deadline).
        // Input that arrives meanwhile goes through the console poll, so Ctrl-C (or SIGINT)
        // ends the sleep: the VM then signals the interrupt at its next safe point.
        public IVmPoller Poller;
        public Vm Vm;
        // UDP-RECEIVE between polls: wait for input, a frame or the time, then run the poller
        // (console typeahead, Ctrl-C, and the network pump).
        public void WaitForEvent(long micros)
        {
            _p.Flush();
            if (micros > 0) _p.WaitForInput(_p.MonotonicNs() + (ulong)micros * 1000);
            if (Vm != null && Poller != null) Poller.Poll(Vm);
        }

        public void Sleep(long micros)
        {
            _p.Flush();                   // what was printed (and echoed) shows before the wait
            if (micros <= 0) return;
            ulong end = _p.MonotonicNs() + (ulong)micros * 1000;
            while (_p.MonotonicNs() < end)
            {
                _p.WaitForInput(end);
                if (Vm == null) continue;
                if (Poller != null) Poller.Poll(Vm);
                if (Vm.InterruptFlag != 0) return;
            }
        }
    }

    internal static unsafe class KernelLisp
    {
        // Build time: the booted VM as a heap image on stdout (build/kernel.sh links it in).
        static int DumpImage(Platform p, Vm vm, int bootErrors)
        {
            if (bootErrors != 0) { p.Write("heap image: the library had errors"); p.Write(p.NewLine); p.Flush(); return 1; }
            byte[] img = HeapImage.Save(vm);
            if (img == null) { p.Write("heap image: the heap is busy"); p.Write(p.NewLine); p.Flush(); return 1; }
            fixed (byte* b = img)
            {
                for (int off = 0; off < img.Length; off += 65536)
                {
                    int n = img.Length - off < 65536 ? img.Length - off : 65536;
                    p.Write(b + off, n);
                    p.Flush();
                }
            }
            return 0;
        }

        // The ramdisk's regular files become the in-memory file store (lost at power-off).
        static void SeedFileStore(Platform p, Vm vm)
        {
            CpioReader r = new CpioReader(p.RamdiskStart, (long)p.RamdiskLength);
            ulong files = 0, bytes = 0;
            CpioEntry e;
            while (r.Next(out e))
            {
                if (!e.IsRegularFile) continue;
                Builtins.StoreFile(vm, e.Name, e.NameLength, e.Data, e.DataLength);
                files++; bytes += (ulong)e.DataLength;
            }
            p.Write("ramdisk: ");
            p.WriteDec(files);
            p.Write(" files, ");
            p.WriteDec(bytes);
            p.Write(" bytes in the file store");
            if (r.Error != null) { p.Write("; stopped early: "); p.Write(r.Error); }
            p.Write(p.NewLine);
        }

        // Same as (lisp-implementation-version) in src/LispVm.Eval/lisp/90-misc.lisp.
        const string Version = "0.1";
        static Vm s_vm;

        // From a signal handler (Linux SIGINT): the VM sees the flag at its next safe point.
        public static void Interrupt() { Vm vm = s_vm; if (vm != null) vm.InterruptFlag = 1; }

        // Room kept below the engine's last stack check: the deepest C# work between two
        // checks (a collection, printing, the condition handler, 4 KiB path buffers) and the
        // fault path. On Xen an overflow into the guard page cannot even be reported.
        const ulong StackMargin = 64UL << 10;

        // Both entries run on entry.S's stack (above its guard page): the engine checks
        // against it (LispVm.Gc/StackLimit.cs).
        static unsafe void SetStackLimit(Heap heap)
        {
            Layout* L = Layout.Current;
            ulong lowest = L->StackGuard + 4096;
            heap.Stack.Set(lowest, L->StackTop - lowest, StackMargin);
        }

        public static int Run(Platform p, ulong entryNs)
        {
            // Boot phases for LISPVM_BOOT_STATS=1 (issue 20: boot to prompt, phase by phase).
            ulong tRun = p.MonotonicNs();
            // ip= gw= udp-echo= (and Linux net=tap:NAME): the device, the stack, one boot line.
            KernelNet net = p.HasOption("LISPVM_DUMP_IMAGE=1") ? null : KernelNet.Start(p);
            ulong tServices = p.MonotonicNs();
            HeapOptions o = new HeapOptions();
            // A first limit; on Xen it is lowered after boot to the frames really left.
            ulong budget = p.HeapBudget;
            o.LimitBytes = budget > (24UL << 20) ? budget : (24UL << 20);
            // LISPVM_HEAP_MB=N (environment / cmd_line) lowers the limit, e.g. to reproduce a
            // small guest's collection pattern on Linux.
            ulong mb = p.OptionNumber("LISPVM_HEAP_MB", 0);
            if (mb >= 8 && (mb << 20) < o.LimitBytes) o.LimitBytes = mb << 20;
            // Start-up sizes follow the guest's memory (Linux: the heap limit), so a 16 MiB
            // domain is not charged a 1 GiB one's stacks and work arrays (Eval/Vm/VmSizes.cs).
            ulong sizedFor = p.MemoryBytes != 0 ? p.MemoryBytes : o.LimitBytes;
            o.NurseryBytes = NurseryFor(o.LimitBytes, sizedFor);
            o.ReserveBytes = 2UL << 20;
            // DESIGN §4: LISPVM_GC_STRESS=1 (environment on Linux, cmd_line word on Xen).
            if (p.HasOption("LISPVM_GC_STRESS=1"))
            {
                o.StressMinorEvery = 1;
                o.StressFullEvery = 64;
                p.Write("GC stress: minor collection on every allocation, full every 64");
                p.Write(p.NewLine);
            }
            VmSizes sizes = VmSizes.ForMemory(sizedFor);
            CheckMemory(p, sizes, o);
            o.Clock = new KernelClock(p, p.HasOption("LISPVM_GC_CLOCK=cpu"));
            // Survivor bytes a minor collection aims at (HeapOptions); 0 = fill the whole nursery.
            o.MinorSurvivorTargetBytes = p.OptionNumber("LISPVM_MINOR_TARGET_KB", o.MinorSurvivorTargetBytes >> 10) << 10;
            o.Panic = new KernelHeapPanic();
            // Address space for the domain's maximum, so a balloon that grows can raise the
            // limit; the limit itself starts at what the frames allow now.
            ulong reserveFor = MaximumBytes(p);
            if (reserveFor < o.LimitBytes) reserveFor = o.LimitBytes;
            Heap heap = new Heap(new KernelFrameSource(p), reserveFor, o);
            SetStackLimit(heap);
            ulong tVm = p.MonotonicNs();
            if (reserveFor != o.LimitBytes) heap.SetLimit(o.LimitBytes);
            KernelMemory memory = new KernelMemory(p, heap, mb >= 8 ? mb << 20 : 0);
            KernelLispPlatform output = new KernelLispPlatform(p);
            output.Memory = memory;
            // The library: from the heap image linked into the ELF (build time), else compiled
            // now. LISPVM_DUMP_IMAGE=1 (build/kernel.sh, Linux) compiles it and writes the
            // image to stdout instead of starting the REPL. With an image the VM leaves the
            // heap's start-up state to it.
            bool dump = p.HasOption("LISPVM_DUMP_IMAGE=1");
            long imageSize = dump ? 0 : HeapImageBlob.Size();
            Vm vm = new Vm(heap, output, sizes, imageSize > 0);
            Repl repl = new Repl(vm, sizes.ReplChars);
            s_vm = vm;
            bool interactive = p.EnterInteractiveMode();
            if (net != null) net.Attach(vm);
            KernelConsole console = new KernelConsole(p, output, vm, repl, interactive, memory, net);
            output.Vm = vm;
            output.Poller = vm.Poller;
            ulong tHeap = p.MonotonicNs();
            string imageWhy = null;
            bool fromImage = false;
            if (imageSize > 0)
            {
                imageWhy = HeapImage.Load(vm, HeapImageBlob.Data(), imageSize);
                fromImage = imageWhy == null;
                // The heap holds a copy now: the blob's 1.4 MiB need not stay resident.
                p.Forget(HeapImageBlob.Data(), (ulong)imageSize);
            }
            if (!fromImage) vm.InitHeapState();           // refused: make what the image would have held
            int bad = fromImage ? 0 : Boot.Load(vm, repl);
            vm.FlushConsole();
            ulong tLibrary = p.MonotonicNs();
            if (dump) return DumpImage(p, vm, bad);
            if (imageWhy != null)
            {
                p.Write("heap image refused (");
                p.Write(imageWhy);
                p.Write("): the library was compiled at boot");
                p.Write(p.NewLine);
            }
            // Issue 14: the interactive debugger is on for a terminal and the Xen console, off
            // for a pipe (one-line error reports, exit status); debugger=on|off chooses.
            bool debugger = p.HasOption("debugger=on") || (interactive && !p.HasOption("debugger=off"));
            // Set directly, not through EvalText: compiling one form cost a guest more than the
            // image load under TCG (issue 20).
            if (debugger) vm.SetSymValue(vm.Intern("*INTERACTIVE-DEBUGGER*"), vm.T);
            // The ramdisk's files go into the heap: under the limit the frames allow.
            if (p.RamdiskLength != 0) { memory.FitLimit(); SeedFileStore(p, vm); }

            // Banner: "LispVm 0.1 on Xen 4.17: 64 MiB, boot 2345 ms" (Linux: the heap limit).
            ulong mem = p.MemoryBytes != 0 ? p.MemoryBytes : o.LimitBytes;
            p.Write("LispVm ");
            p.Write(Version);
            p.Write(" on ");
            p.WriteName();
            p.Write(": ");
            p.WriteDec(mem >> 20);
            p.Write(" MiB, boot ");
            p.WriteDec((p.MonotonicNs() - entryNs) / 1000000);
            p.Write(" ms");
            if (bad != 0) { p.Write(", library files with errors: "); p.WriteDec((ulong)bad); }
            if (p.HasOption("LISPVM_BOOT_STATS=1"))
            {
                ulong tEnd = p.MonotonicNs();
                p.Write("; phases (us): before the engine "); p.WriteDec((tRun - entryNs) / 1000);
                // xenstore services come after the prompt now (not counted here).
                p.Write(", network "); p.WriteDec((tServices - tRun) / 1000);
                p.Write(", heap and VM "); p.WriteDec((tHeap - tServices) / 1000);
                p.Write(" (heap "); p.WriteDec((tVm - tServices) / 1000); p.Write(")");
                p.Write(fromImage ? ", heap image " : ", library compiled "); p.WriteDec((tLibrary - tHeap) / 1000);
                p.Write(", platform and files "); p.WriteDec((tEnd - tLibrary) / 1000);
                p.Write(", start-up objects "); p.WriteDec(Internal.Runtime.BootHeap.AllocatedBytes >> 10);
                p.Write(" KiB ("); p.WriteDec(BootMemory.GrownBytes >> 10);
                p.Write(" KiB past the image's boot region), heap "); p.WriteDec(heap.Stats.FramesCommitted * 4); p.Write(" KiB");
            }
            p.Write(p.NewLine);
            KernelNetRepl.Start(p, net, vm);       // repl=ADDR:PORT (off without it)
            repl.Start();
            // After the first prompt (issue 20): work the prompt does not need. The heap limit,
            // xenstore round trips (the toolstack's watches; the domain's name for
            // MACHINE-INSTANCE) and the Lisp call that sets *FEATURES*: all done before the
            // first input is read. FitLimit (the heap limit from the frames left) commits ahead
            // the old space a minor collection needs: 2 MiB of mappings on Xen.
            p.Flush();
            memory.FitLimit();
            p.StartServices();
            SetPlatformInfo(p, vm);
            Internal.Runtime.BootHeap.Sealed = true;
            int code = console.Run();
            p.LeaveInteractiveMode();
            return code;
        }

        // SOFTWARE-TYPE, MACHINE-INSTANCE and :LINUX or :XEN in *FEATURES*: set at every boot
        // (the heap image was made on Linux). Arguments go on the Lisp stack as they are made,
        // so a collection while making the second one moves the first safely.
        static void SetPlatformInfo(Platform p, Vm vm)
        {
            ulong sym = vm.Intern("%SET-PLATFORM");
            ulong fn = vm.SymFunction(sym);
            if (!W.IsObj(fn)) return;
            vm.Push(fn);
            vm.Push(vm.Heap.MakeString(p is LinuxPlatform ? "Linux" : "Xen"));
            byte* name = stackalloc byte[256];
            int n = p.MachineName(name, 256);
            vm.Push(n > 0 ? vm.Heap.MakeStringFromBytes(name, n) : W.Nil);
            vm.CallNested(2, out ulong r);
            vm.PendUnwind = false;
        }

        static ulong NurseryFor(ulong limit, ulong sizedFor)
        {
            return limit >= (256UL << 20) ? (8UL << 20) : sizedFor >= (64UL << 20) ? (4UL << 20) : (2UL << 20);
        }

        // A domain too small to start says so, with the minimum, before anything runs out.
        // Frames the REPL needs past the boot mapping: start-up objects beyond the boot
        // region's room (in 1 MiB chunks), the reader's and printer's first frames, the
        // heap's boot commitment (nursery, an old space
        // for the library plus one nursery's evacuation, side tables and mark stack) and
        // 1 MiB to run in. XenEntry asks before it builds the frames (NeedBytes), and Run
        // checks again with the options applied (CheckMemory).
        static ulong NeedBytes(VmSizes sizes, ulong nurseryBytes, int rootStackEntries)
        {
            ulong objects = sizes.EstimateBytes() + (ulong)rootStackEntries * 8;
            ulong room = Internal.Runtime.BootHeap.Available;
            ulong grown = objects > room ? ((objects - room + (1UL << 20) - 1) & ~((1UL << 20) - 1)) + (1UL << 20) : 0;
            ulong nursery = (nurseryBytes + (2UL << 20) - 1) & ~((2UL << 20) - 1);
            ulong image = (ulong)HeapImageBlob.Size();
            // The old space commits in 256 KiB chunks (Heap.OldCommitChunk): the library's image
            // plus one nursery's evacuation, rounded to that, besides the nursery itself.
            ulong heapBoot = nursery + ((image + nursery + (256UL << 10) - 1) & ~((256UL << 10) - 1)) + (1UL << 20);
            return grown + sizes.WorkStackBytes() + heapBoot + (1UL << 20);
        }

        public static ulong NeedBytes(ulong memoryBytes)
        {
            return NeedBytes(VmSizes.ForMemory(memoryBytes), NurseryFor(memoryBytes, memoryBytes), new HeapOptions().RootStackEntries);
        }

        static void CheckMemory(Platform p, VmSizes sizes, HeapOptions o)
        {
            ulong free = p.FreeFrameBytes, mem = p.MemoryBytes;
            if (free == 0 || mem == 0) return;            // Linux: not bounded by frames
            ulong need = NeedBytes(sizes, o.NurseryBytes, o.RootStackEntries);
            BootMemory.NeedMemoryBytes = mem + (need > free ? need - free : 0);
            if (need > free) BootMemory.TooSmall(p, mem + need - free, mem);
        }

        // The domain's maximum in bytes (Xen: the P2M's size, memory/static-max); 0 = none.
        static ulong MaximumBytes(Platform p)
        {
            XenPv.Shim.IBalloonFrames f = p.BalloonFrames;
            ulong max = f != null ? f.MaxFrames * 4096 : 0;
            ulong staticMax = p.StaticMaxKiB * 1024;
            if (f == null || max == 0) max = staticMax;
            return max;
        }
    }
}
#endif
