// Why: start of day on Xen (ENTRY note): we arrive in ring 3 on our own stack (set by the
// asm entry) with start_info. Set up the runtime, install the trap table so CPU faults
// reach the panic path, map shared_info, unmap the stack guard page, find the console
// ring and bring the console up, then build the frames and run the shared kernel main on a
// XenPlatform. The console comes before anything that can fail, so every failure says why.
using System.Runtime.InteropServices;
using Internal.Runtime;
using Internal.Runtime.CompilerHelpers;
using XenPv.Shim;

namespace LispVm.Kernel
{
    internal static unsafe class XenEntry
    {
        const ulong VirtBase = 0x400000;

        static XenPlatform s_xen;
        // A non-GC static (in the image's data, valid before InitializeModules): Trap may read
        // s_xen, a GC static, only once this is set.
        static bool s_modulesReady;

        [UnmanagedCallersOnly(EntryPoint = "lispvm_xen_main")]
        static void Main(byte* startInfo)
        {
            ulong tsc0 = Native.Rdtsc();
            Layout* L = Layout.Current;
            Panic.Handler = &KernelPanic.FromCorelib;
            // Traps first (non-GC statics only): a fault in what follows, a class constructor
            // included, must reach Trap and end in a crash shutdown, not kill the domain silently.
            Hypercalls.Raw = (delegate* unmanaged[SuppressGCTransition]<ulong, ulong, ulong, ulong, ulong, ulong, long>)L->Hypercall;
            Hypercalls.SetTrapTable((void*)L->TrapTable);
            BootHeap.Init((byte*)L->BootHeap, L->BootHeapEnd - L->BootHeap);
            StartupCodeHelpers.InitializeModules((void**)L->ModulesStart, (void**)L->ModulesEnd);
            s_modulesReady = true;

            // The XenPv.* code reaches rdtsc through this pointer.
            XenTime.Rdtsc = (delegate* unmanaged<ulong>)L->Rdtsc;

            // start_info.shared_info is already a machine address: map it as is (P|RW|U|A).
            StartInfo* si = (StartInfo*)startInfo;
            XenError rc = Hypercalls.UpdateVaMapping(L->SharedInfoVa, si->shared_info | Hypercalls.PteDataRw, Hypercalls.UvmfInvlpg);
            byte* sharedInfo = rc == XenError.Ok ? (byte*)L->SharedInfoVa : null;
            // No event callback is registered: keep upcalls masked (vcpu_info[0].evtchn_upcall_mask)
            // and wait with SCHEDOP_poll instead.
            if (sharedInfo != null) SharedInfo.Vcpu((SharedInfo*)sharedInfo, 0)->evtchn_upcall_mask = 1;

            // Guard page below our stack: unmapped, so an overflow faults instead of corrupting.
            Hypercalls.UpdateVaMapping(L->StackGuard, 0, Hypercalls.UvmfInvlpg);

            ulong nrPages = si->nr_pages;
            ulong* p2m = (ulong*)si->mfn_list;
            byte* ring = MfnToVa(p2m, nrPages, si->console_domU_mfn);

            // The console first: every later boot step that can fail (frames, start-up
            // objects, the heap) then reaches the panic path or the too-small message.
            XenPlatform p = new XenPlatform(sharedInfo, ring, si->console_domU_evtchn, nrPages, si->cmd_line,
                MfnToVa(p2m, nrPages, si->store_mfn), si->store_evtchn);
            s_xen = p;
            KernelPanic.Install(p);
            if (ring == null) p.Crash();

            // The domain must hold what the boot mapping really uses and what the main loop
            // needs past it. Not up to mapEnd: the slack (bootEnd to the next 4 MiB boundary,
            // at least 512 KiB) becomes free frames in XenFrames.Start, and counting it made a
            // 16 MiB guest "need 20 MiB" once the ELF grew past a boundary.
            ulong bootEnd, mapEnd;
            XenFrames.BootMapping(si, out bootEnd, out mapEnd);
            ulong used = bootEnd - VirtBase, need = KernelMain.NeedBytes(p, nrPages * 4096);
            if (nrPages * 4096 < used + need) BootMemory.TooSmall(p, used + need, nrPages * 4096);
            // Frames for the Lisp heap and late start-up objects (XenPv.Shim.XenFrames): our own
            // P2M sized for the domain's maximum, page tables from the same frame pool.
            XenFrames frames = new XenFrames(si, VirtBase, new XenMmuOps(), new DirectGuestMemory());
            if (!frames.Start())
            {
                p.WriteLine(frames.FailReason);
                p.Crash();
            }
            p.AttachFrames(frames);
            // xl save / migrate find our memory through the P2M lists in shared_info.
            if (sharedInfo == null || !frames.PublishP2m((SharedInfo*)sharedInfo))
                p.WriteLine("frames: P2M not published in shared_info: xl save and migrate will fail");
            p.AttachSuspend(si, L->SharedInfoVa, VirtBase);

            // The ramdisk lies in the boot region, mapped at mod_start (a virtual address: we
            // do not advertise MOD_START_PFN), outside the frames the heap is built from.
            if (si->mod_len != 0 && (si->flags & StartInfo.SifModStartPfn) == 0)
            {
                p.RamdiskStart = (byte*)si->mod_start;
                p.RamdiskLength = si->mod_len;
            }
            BootMemory.Install(p);
            KernelMain.Run(p, p.EntryNs(tsc0));
            p.Exit(0);
        }

        // VA of a frame of the boot region (console, xenstore) from its MFN: search the P2M.
        static byte* MfnToVa(ulong* p2m, ulong nrPages, ulong mfn)
        {
            for (ulong pfn = 0; pfn < nrPages; pfn++)
                if (p2m[pfn] == mfn) return (byte*)(VirtBase + pfn * 4096);
            return null;
        }

        // Frame left by Xen + Asm/entry.S (low to high): r15 r14 r13 r12 r10 r9 r8 rbp rdi rsi
        // rdx rbx rax, vector, has-error, rcx r11 [error] rip cs rflags rsp ss.
        [UnmanagedCallersOnly(EntryPoint = "lispvm_xen_trap")]
        static void Trap(ulong* f)
        {
            Regs r;
            r.R15 = f[0]; r.R14 = f[1]; r.R13 = f[2]; r.R12 = f[3]; r.R10 = f[4]; r.R9 = f[5]; r.R8 = f[6];
            r.Rbp = f[7]; r.Rdi = f[8]; r.Rsi = f[9]; r.Rdx = f[10]; r.Rbx = f[11]; r.Rax = f[12];
            r.Vector = (int)f[13];
            bool hasErr = f[14] != 0;
            r.Rcx = f[15]; r.R11 = f[16];
            ulong* x = f + 17;
            r.Error = hasErr ? *x++ : 0;
            r.Rip = x[0]; r.Rflags = x[2]; r.Rsp = x[3];
            XenPlatform p = s_modulesReady ? s_xen : null;
            r.FaultAddress = p != null ? p.Cr2() : 0;
            if (p == null)
                for (;;) Hypercalls.SchedShutdown(Hypercalls.ShutdownCrash);   // a fault before the console exists
            KernelPanic.Fault(&r);
        }
    }
}
