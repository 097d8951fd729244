/* Why: the few instructions C# cannot express: the two entry points (Xen: rsi=start_info,
 * switch to our own stack; Linux: the process stack), the Xen ELF notes, the hypercall
 * page, syscall/hypercall trampolines, trap stubs that save registers for the panic path,
 * barriers, and deliberate faults for testing. Everything else is C#. */

        .set VIRT_BASE, 0x400000

/* ---- Xen ELF notes (name "Xen"): read by the domain builder, ignored by Linux. ---- */
        .section .note.Xen, "a", @note
        .macro XEN_NOTE type, kind, value
        .p2align 2
        .long 4
        .long 2f - 1f
        .long \type
        .asciz "Xen"
        .p2align 2
1:
        .ifc \kind, quad
        .quad \value
        .else
        .asciz "\value"
        .endif
2:
        .endm
        XEN_NOTE 6, str, "LispVm"
        XEN_NOTE 5, str, "xen-3.0"
        XEN_NOTE 3, quad, VIRT_BASE
        XEN_NOTE 4, quad, VIRT_BASE
        XEN_NOTE 1, quad, _start_xen
        XEN_NOTE 2, quad, hypercall_page
        XEN_NOTE 8, str, "generic"
        .p2align 2

/* ---- Hypercall page: Xen fills it at boot; under Linux it stays int3 bytes. ---- */
        .section .text.hypercall, "ax", @progbits
        .p2align 12
        .globl hypercall_page
hypercall_page:
        .fill 4096, 1, 0xcc

        .text
/* Xen entry: 64-bit, ring 3, rsi = start_info VA, a one-page boot stack. */
        .globl _start_xen
_start_xen:
        cld
        lea lispvm_stack_top(%rip), %rsp
        mov %rsi, %rdi
        xor %ebp, %ebp
        call lispvm_xen_main
1:      jmp 1b

/* Linux entry (ELF e_entry): rsp -> argc, argv..., envp... The C# code then runs on our
 * own stack, as on Xen: the same depth everywhere, and bounds the engine's stack check
 * (LispVm.Gc/StackLimit.cs) knows. The process stack keeps argv and the environment. */
        .globl _start_linux
_start_linux:
        xor %ebp, %ebp
        mov %rsp, %rdi
        lea lispvm_stack_top(%rip), %rsp
        call lispvm_linux_main
        mov %eax, %edi
        mov $231, %eax          /* exit_group */
        syscall
1:      jmp 1b

/* long lispvm_syscall(nr, a1, a2, a3, a4, a5, a6): a6 arrives on the stack. */
        .globl lispvm_syscall
lispvm_syscall:
        mov %rdi, %rax
        mov %rsi, %rdi
        mov %rdx, %rsi
        mov %rcx, %rdx
        mov %r8, %r10
        mov %r9, %r8
        mov 8(%rsp), %r9
        syscall
        ret

/* long lispvm_hypercall(nr, a1, a2, a3, a4, a5): tail-jump into hypercall_page + 32*nr. */
        .globl lispvm_hypercall
lispvm_hypercall:
        lea hypercall_page(%rip), %r11
        shl $5, %rdi
        add %rdi, %r11
        mov %rsi, %rdi
        mov %rdx, %rsi
        mov %rcx, %rdx
        mov %r8, %r10
        mov %r9, %r8
        jmp *%r11

        .globl lispvm_rdtsc
lispvm_rdtsc:
        rdtsc
        shl $32, %rdx
        or %rdx, %rax
        ret

/* void lispvm_cpuid(uint leaf, uint subleaf, uint* out): out[0..3] = eax, ebx, ecx, edx.
 * rbx is callee-saved in the SysV ABI, so it is kept. A Xen PV guest may run cpuid: it is
 * either not trapped (the raw CPU's answer) or, with CPUID faulting on, emulated by Xen
 * with the domain's policy; both answer. */
        .globl lispvm_cpuid
lispvm_cpuid:
        push %rbx
        mov %rdx, %r8
        mov %edi, %eax
        mov %esi, %ecx
        cpuid
        mov %eax, (%r8)
        mov %ebx, 4(%r8)
        mov %ecx, 8(%r8)
        mov %edx, 12(%r8)
        pop %rbx
        ret

/* long lispvm_rdrand(ulong* out): 1 and a random word in *out, or 0 when ten tries in a row
 * left CF clear (the DRNG is momentarily empty; Intel's DRNG guide says ten). Only call it
 * when CPUID.01H:ECX bit 30 says RDRAND exists (else #UD). */
        .globl lispvm_rdrand
lispvm_rdrand:
        mov $10, %ecx
1:      rdrand %rax
        jc 2f
        dec %ecx
        jnz 1b
        xor %eax, %eax
        ret
2:      mov %rax, (%rdi)
        mov $1, %eax
        ret

/* Full barrier: also a compiler barrier, since C# cannot see through the call. */
        .globl lispvm_mb
lispvm_mb:
        mfence
        ret

/* void lispvm_sync_clear_bit(ulong* word, long bit): locked, so Xen's concurrent sets are not lost. */
        .globl lispvm_sync_clear_bit
lispvm_sync_clear_bit:
        lock btrq %rsi, (%rdi)
        ret

        .globl lispvm_layout_ptr
lispvm_layout_ptr:
        lea lispvm_layout(%rip), %rax
        ret

/* ulong lispvm_atomic_and64(ulong* p, ulong v) / _or64: locked read-modify-write, returns old. */
        .globl lispvm_atomic_and64
lispvm_atomic_and64:
        mov (%rdi), %rax
1:      mov %rax, %rcx
        and %rsi, %rcx
        lock cmpxchg %rcx, (%rdi)
        jne 1b
        ret
        .globl lispvm_atomic_or64
lispvm_atomic_or64:
        mov (%rdi), %rax
1:      mov %rax, %rcx
        or %rsi, %rcx
        lock cmpxchg %rcx, (%rdi)
        jne 1b
        ret
/* ulong lispvm_atomic_cmpxchg64(ulong* p, ulong value, ulong comparand): returns old. */
        .globl lispvm_atomic_cmpxchg64
lispvm_atomic_cmpxchg64:
        mov %rdx, %rax
        lock cmpxchg %rsi, (%rdi)
        ret

        .globl lispvm_read_rbp
lispvm_read_rbp:
        mov %rbp, %rax
        ret

/* Deliberate faults for the panic-path tests (#fault ...). */
        .globl lispvm_fault_null
lispvm_fault_null:
        xor %eax, %eax
        mov (%rax), %rax
        ret
        .globl lispvm_fault_div
lispvm_fault_div:
        xor %ecx, %ecx
        mov $1, %eax
        cltd
        idiv %ecx
        ret
        .globl lispvm_fault_ud
lispvm_fault_ud:
        ud2
        ret

        .globl lispvm_die
lispvm_die:
        ud2
1:      jmp 1b

/* GC write-barrier helper with its special convention: *rdi = *rsi; rdi += 8; rsi += 8. */
        .globl RhpByRefAssignRef
RhpByRefAssignRef:
        mov (%rsi), %rcx
        mov %rcx, (%rdi)
        add $8, %rdi
        add $8, %rsi
        ret

/* Interface dispatch cell stub: r11 = cell, rdi = receiver. Saves the argument registers,
 * asks the C# resolver (corelib InterfaceDispatch.Resolve) for the target, then tail-jumps. */
        .globl RhpInitialDynamicInterfaceDispatch
RhpInitialDynamicInterfaceDispatch:
        push %rbp
        mov %rsp, %rbp
        push %rdi
        push %rsi
        push %rdx
        push %rcx
        push %r8
        push %r9
        push %r10
        sub $136, %rsp
        movdqu %xmm0, 0(%rsp)
        movdqu %xmm1, 16(%rsp)
        movdqu %xmm2, 32(%rsp)
        movdqu %xmm3, 48(%rsp)
        movdqu %xmm4, 64(%rsp)
        movdqu %xmm5, 80(%rsp)
        movdqu %xmm6, 96(%rsp)
        movdqu %xmm7, 112(%rsp)
        mov (%rdi), %rdi
        mov %r11, %rsi
        call lispvm_resolve_interface
        movdqu 0(%rsp), %xmm0
        movdqu 16(%rsp), %xmm1
        movdqu 32(%rsp), %xmm2
        movdqu 48(%rsp), %xmm3
        movdqu 64(%rsp), %xmm4
        movdqu 80(%rsp), %xmm5
        movdqu 96(%rsp), %xmm6
        movdqu 112(%rsp), %xmm7
        add $136, %rsp
        pop %r10
        pop %r9
        pop %r8
        pop %rcx
        pop %rdx
        pop %rsi
        pop %rdi
        pop %rbp
        jmp *%rax

/* Linux signal return (SA_RESTORER); the panic path never returns, but the kernel wants one. */
        .globl lispvm_sigreturn
lispvm_sigreturn:
        mov $15, %eax
        syscall
        ud2

/* Xen trap stubs: Xen leaves {rcx, r11, [error], rip, cs, rflags, rsp, ss} on the current
 * stack. Each stub pushes (has-error, vector), then the common path pushes the general
 * registers and calls the C# panic path with a pointer to the whole frame. */
        .macro TRAP vec, haserr
        .globl lispvm_trap_\vec
lispvm_trap_\vec:
        push $\haserr
        push $\vec
        jmp lispvm_trap_common
        .endm
        TRAP 0, 0
        TRAP 1, 0
        TRAP 3, 0
        TRAP 4, 0
        TRAP 5, 0
        TRAP 6, 0
        TRAP 7, 0
        TRAP 10, 1
        TRAP 11, 1
        TRAP 12, 1
        TRAP 13, 1
        TRAP 14, 1
        TRAP 16, 0
        TRAP 17, 1
        TRAP 19, 0
lispvm_trap_common:
        push %rax
        push %rbx
        push %rdx
        push %rsi
        push %rdi
        push %rbp
        push %r8
        push %r9
        push %r10
        push %r12
        push %r13
        push %r14
        push %r15
        mov %rsp, %rdi
        and $-16, %rsp
        call lispvm_xen_trap
1:      jmp 1b

        .section .rodata
/* trap_info: {u8 vector, u8 flags (DPL), u16 cs, u64 address}, terminated by address 0. */
        .macro TRAPINFO vec, dpl
        .byte \vec, \dpl
        .word 0xe033
        .long 0
        .quad lispvm_trap_\vec
        .endm
        .p2align 4
        .globl lispvm_trap_table
lispvm_trap_table:
        TRAPINFO 0, 0
        TRAPINFO 1, 0
        TRAPINFO 3, 3
        TRAPINFO 4, 3
        TRAPINFO 5, 0
        TRAPINFO 6, 0
        TRAPINFO 7, 0
        TRAPINFO 10, 0
        TRAPINFO 11, 0
        TRAPINFO 12, 0
        TRAPINFO 13, 0
        TRAPINFO 14, 0
        TRAPINFO 16, 0
        TRAPINFO 17, 0
        TRAPINFO 19, 0
        .quad 0, 0

/* Addresses C# needs, in a fixed order (see Kernel/Layout.cs). */
        .p2align 3
        .globl lispvm_layout
lispvm_layout:
        .quad lispvm_stack_guard
        .quad lispvm_stack_top
        .quad lispvm_boot_heap
        .quad lispvm_boot_heap_end
        .quad lispvm_shared_info_va
        .quad lispvm_sigstack
        .quad lispvm_sigstack_end
        .quad lispvm_trap_table
        .quad lispvm_hypercall
        .quad lispvm_sigreturn
        .quad __modules_start
        .quad __modules_end
        .quad lispvm_rdtsc

        .section .bss.lispvm, "aw", @nobits
        .p2align 12
lispvm_stack_guard:                     /* unmapped on Xen, PROT_NONE on Linux: overflow faults */
        .skip 4096
        .skip 512 * 1024
lispvm_stack_top:
        .p2align 12
lispvm_shared_info_va:                  /* remapped onto the shared_info frame on Xen */
        .skip 4096
lispvm_sigstack:
        .skip 64 * 1024
lispvm_sigstack_end:
        .p2align 12
lispvm_boot_heap:                       /* 3.5 MiB: a 16 MiB guest's start-up objects (3.0 MiB)
                                         * fit; at 4 MiB the image's memory size, plus Xen's
                                         * boot mapping, no longer fit an 8 MiB domain, whose
                                         * builder then fails before we can say "too small" */
        .skip 3584 * 1024
lispvm_boot_heap_end:

        .section .note.GNU-stack, "", @progbits

/* Stack-buffer guard value ILC's stackalloc checks compare against (a constant is enough
 * to catch overruns; we have no per-boot entropy this early). */
        .data
        .p2align 3
        .globl __security_cookie
__security_cookie:
        .quad 0x2f4c69737056d2a1

/* Unmanaged calls without SuppressGCTransition check this flag and may call RhpGcPoll; we
 * have no C# GC to cooperate with, so the flag stays 0 and the poll does nothing. */
        .data
        .p2align 2
        .globl RhpTrapThreads
RhpTrapThreads:
        .long 0
        .text
        .globl RhpGcPoll
RhpGcPoll:
        ret
