/* pvecho: a tiny Xen PV guest used as the lab's self-test (lab/testdata/build.sh).
 * Why: the lab must be testable without the LispVm image. It speaks the same console
 * protocol as the LispVm kernel: a banner line, "echo: <line>" per input line, "halt"
 * powers off, "crash" writes to address 0 (no trap table: Xen crashes the domain).
 * Console = the xencons_interface ring page, found by searching the P2M for its MFN. */
        .set VIRT_BASE, 0x400000
        .set HC_SCHED_OP, 29
        .set HC_EVTCHN_OP, 32

        .section .note.Xen,"a",@note
        .macro note type, desc_start, desc_end
        .long 4, \desc_end - \desc_start, \type
        .asciz "Xen"
        .endm
        note 5, 1f, 2f
1:      .asciz "xen-3.0"
2:      .balign 4
        note 6, 1f, 2f
1:      .asciz "pvecho"
2:      .balign 4
        note 8, 1f, 2f
1:      .asciz "generic"
2:      .balign 4
        note 1, 1f, 2f
1:      .quad _start
2:      note 2, 1f, 2f
1:      .quad hypercall_page
2:      note 3, 1f, 2f
1:      .quad VIRT_BASE
2:      note 4, 1f, 2f
1:      .quad VIRT_BASE
2:

        .text
        .globl _start
_start:
        mov %rsi, %r12                  /* r12 = start_info */
        mov 72(%r12), %rax              /* console.domU.mfn */
        mov 80(%r12), %ecx
        mov %ecx, port(%rip)
        mov 104(%r12), %rdi             /* mfn_list (P2M) */
        mov 32(%r12), %rcx              /* nr_pages */
        xor %rdx, %rdx
find:   cmp %rcx, %rdx
        jae crash
        cmp (%rdi,%rdx,8), %rax
        je found
        inc %rdx
        jmp find
found:  shl $12, %rdx
        add $VIRT_BASE, %rdx
        mov %rdx, %r13                  /* r13 = console ring page */
        lea banner(%rip), %rsi
        mov $banner_len, %ecx
        call puts
        xor %r14, %r14                  /* r14 = line length */
loop:   mov 3072(%r13), %eax            /* in_cons */
        mov 3076(%r13), %edx            /* in_prod */
        cmp %eax, %edx
        jne have
        mov $0, %edi                    /* SCHEDOP_yield */
        xor %esi, %esi
        mov $HC_SCHED_OP, %eax
        call hypercall
        jmp loop
have:   lfence                          /* read in_prod before the ring bytes */
        and $1023, %eax
        movzbl (%r13,%rax), %ebx
        incl 3072(%r13)                 /* consume: in_cons++ */
        call notify
        cmp $13, %bl
        je eol
        cmp $10, %bl
        je eol
        cmp $200, %r14
        jae loop
        lea line(%rip), %rdi
        mov %bl, (%rdi,%r14)
        inc %r14
        jmp loop
eol:    test %r14, %r14
        jz loop
        cmp $4, %r14
        jne 1f
        cmpl $0x746c6168, line(%rip)    /* "halt" */
        je halt
1:      cmp $5, %r14
        jne 2f
        cmpl $0x73617263, line(%rip)    /* "cras" */
        jne 2f
        cmpb $'h', line+4(%rip)
        je crash
2:      lea echo(%rip), %rsi
        mov $6, %ecx
        call puts
        lea line(%rip), %rsi
        mov %r14d, %ecx
        call puts
        lea crlf(%rip), %rsi
        mov $2, %ecx
        call puts
        xor %r14, %r14
        jmp loop

halt:   lea bye(%rip), %rsi
        mov $bye_len, %ecx
        call puts
        movl $0, reason(%rip)           /* SHUTDOWN_poweroff */
        mov $2, %edi                    /* SCHEDOP_shutdown */
        lea reason(%rip), %rsi
        mov $HC_SCHED_OP, %eax
        call hypercall
        jmp halt
crash:  movq $1, 0                      /* fault with no trap table: domain crash */
        jmp crash

/* puts: rsi = bytes, ecx = count; copies into out[] then publishes out_prod. */
puts:   mov 3084(%r13), %edx            /* out_prod */
1:      test %ecx, %ecx
        jz 3f
2:      mov 3080(%r13), %eax            /* out_cons: wait while the ring is full */
        mov %edx, %edi
        sub %eax, %edi
        cmp $2048, %edi
        jb 4f
        push %rcx
        push %rsi
        push %rdx
        mov %edx, 3084(%r13)
        call notify
        mov $0, %edi
        xor %esi, %esi
        mov $HC_SCHED_OP, %eax
        call hypercall
        pop %rdx
        pop %rsi
        pop %rcx
        jmp 2b
4:      mov %edx, %eax
        and $2047, %eax
        movzbl (%rsi), %edi
        mov %dil, 1024(%r13,%rax)
        inc %rsi
        inc %edx
        dec %ecx
        jmp 1b
3:      sfence                          /* write the bytes before publishing out_prod */
        mov %edx, 3084(%r13)
        call notify
        ret

/* notify: EVTCHNOP_send on the console port. */
notify: push %rdx
        push %rcx
        push %rsi
        push %rdi
        mov $4, %edi
        lea port(%rip), %rsi
        mov $HC_EVTCHN_OP, %eax
        call hypercall
        pop %rdi
        pop %rsi
        pop %rcx
        pop %rdx
        ret

/* hypercall: eax = number, args rdi rsi; calls hypercall_page + 32*nr. */
hypercall:
        push %r11
        push %rcx
        shl $5, %rax
        lea hypercall_page(%rip), %r11
        add %rax, %r11
        call *%r11
        pop %rcx
        pop %r11
        ret

        .data
banner: .ascii "pvecho: Xen PV lab self-test, 0 pages\r\n"
        .set banner_len, . - banner
echo:   .ascii "echo: "
crlf:   .ascii "\r\n"
bye:    .ascii "pvecho: halting\r\n"
        .set bye_len, . - bye
        .balign 4
port:   .long 0
reason: .long 0
line:   .skip 256
        .balign 4096
hypercall_page:
        .skip 4096
