// Bytecode instruction set. One byte opcode, operands little-endian: k = u16 constant
// index, s = u16 frame slot, n = u8 count, a = u32 absolute code offset.
// Operand widths are fixed per opcode so that the compiler can patch a variable's
// accesses in place (LOCAL -> LOCALC etc.) once it knows the variable needs a cell.
// The comments below describe each opcode; its operand layout as code reads it is the one
// table in OpInfo.cs (a new opcode gets its row there, or nothing can step over it).
namespace LispVm.Eval;

public enum Op : byte
{
    Nop = 0,
    Args,       // req:n opt:n flags:n nlocals:s   check the argument count, fill missing
                //        optionals with the unbound marker, cons the &rest list into slot
                //        req+opt (flags 1 = rest or key), then reserve nlocals slots
    Keys,       // k s n  parse &key from the list in slot s into slots s+1..: constants[k]
                //        is the vector of keywords; n = 1 allows other keys
    Const,      // k      push constants[k]
    Nil,        //        push NIL
    T,          //        push T
    Fix8,       // i8     push small fixnum
    Local,      // s      push slot
    LocalC,     // s      push value cell contents of slot
    SetL,       // s      slot = top (top stays)
    SetLC,      // s      cell(slot) = top (top stays)
    BindL,      // s      slot = pop
    BindLC,     // s      slot = new cell(pop)
    Closed,     // s      push closure var
    ClosedC,    // s      push contents of closure var cell
    SetClosedC, // s      cell(closure var) = top
    FunG,       // k      push symbol-function of constants[k] (undefined -> error)
    Global,     // k      push symbol-value of constants[k] (unbound -> error)
    SetGlobal,  // k      symbol-value = top
    Pop,        //        drop top
    Slide,      // s      keep top, drop s values under it
    Drop,       // s      drop s values
    Skip2,      // s      no-op with an operand (patched to BoxL when a parameter needs a cell)
    BoxL,       // s      slot = new cell(slot)
    Dup,
    Jmp,        // a
    JNil,       // a      pop; jump if NIL
    JT,         // a      pop; jump if not NIL
    JBound,     // s a    jump if slot is not the unbound marker
    BoundP,     // s      push T if slot is not unbound, else NIL
    CallG,      // k n    call function of symbol constants[k] with n args
    TCallG,     // k n    tail call
    Call,       // n      [fn a1..an] call
    TCall,      // n
    Ret,        //        return top (values as set)
    Ret1,       //        return top as a single value
    Set1,       //        number of values = 1
    MkClos,     // k n    pop n captured values, push closure of constants[k]
    Values,     // n      pop n values into Mv, push primary
    MvAcc,      //        [count primary] -> [v0..vn-1 count+n]   (multiple-value-call)
    MvCallN,    //        [fn v... count] call
    MvSave,     //        [primary] -> [v0..vn-1 n]
    MvRestore,  //        [v0..vn-1 n] -> values, push primary
    Bind,       // k      pop value, dynamically bind special constants[k]
    Unbind,     // n      undo n dynamic bindings
    Progv,      //        [syms vals] -> [count]  bind
    UnbindV,    //        [count x] -> [x]  undo count bindings under the top value
    Catch,      // a      pop tag, push catch entry resuming at a
    BlockE,     // n a    push block (n=1) / tagbody (n=2) entry with a fresh tag resuming
                //        at a, push the tag
    EndCatch,   //        pop catch/block entry
    Throw,      // n      [tag value] throw (n: 0 catch, 1 return-from, 2 go)
    TagDispatch,// n a*n  pop fixnum i, jump to a[i]
    Uwp,        // a      push unwind-protect entry, cleanup at a
    UwNormal,   //        pop entry; [primary] -> [v.. n mode=0]
    UwEnd,      //        after cleanup: restore values or continue unwinding
    // Inline primitives (fixnum fast paths, generic fallback by calling the builtin).
    Car, Cdr, Cons, Eq, Not, Add, Sub, Lt, Gt, Le, Ge, NumEq, Add1, Sub1,
    // k: svref/aref [v i] -> [elt]; %svset*/%aset* (the setf expansions) [v i x] -> [x].
    // Fast path: simple vector (and 8-bit string for reads) with an in-range fixnum index;
    // anything else calls the function of symbol constants[k], so errors are the function's.
    // (Matched by name at compile time: no boot-time symbols added.)
    Svref, Aref, SvSet, ASet,
    // k: (aref a i j) [a i j] -> [elt]; (%aset-2 a i j x) [a i j x] -> [x]. Fast path: a is
    // a rank-2 %marray (R.MarrayLayout) over a simple vector with in-range fixnum indices;
    // anything else calls the function of constants[k] (AREF / %ASET-2).
    Aref2, ASet2,
    // Fused by the peephole pass (Compiler/Peephole.cs), never emitted directly:
    Local2,     // s s2   push slot, push slot2
    MovL,       // s s2   slot2 = slot (LOCAL s + BINDL s2)
    PopLocal,   // s      replace the top with slot (POP + LOCAL s)
    LocalFix8,  // s i8   push slot, push small fixnum
    CarToL,     // s s2   slot2 = (car slot)  (LOCAL CAR BINDL, or ... SETL POP)
    CdrToL,     // s s2   slot2 = (cdr slot)
    LocalCar,   // s      push car of slot (CAR's checks)
    LocalCdr,   // s      push cdr of slot
    JNilL,      // s a    jump if slot is NIL
    JTL,        // s a    jump if slot is not NIL
    // Compare-and-branch, fused in place: the JNIL/JT that follows stays in the code. Fast
    // path (fixnums; any values for EQ) pops both, tests and jumps or skips the JNIL/JT; the
    // slow path calls the function and lets that JNIL/JT test the result.
    LtJ, GtJ, LeJ, GeJ, NumEqJ, EqJ,
    // Structure slots (lisp/42-struct.lisp):
    SRef,       // k k2 i [obj] -> [slot i]: obj's layout eq constants[k2], else call the
                //        function of constants[k] (the accessor) with obj
    JTK,        // a      jump if the top is not NIL, keeping it; else pop it (OR)
    Eql,        // k      (eql a b): EQ, or two immediates/pointers that are not both headed
                //        objects -> NIL inline; two numbers in boxes call the function of constants[k]
    EqlJ,       // k      EQL fused with the JNIL/JT after it (as LTJ...)
    SSetK,      // k kl kn i  [obj val] -> [val]: (%struct-set obj i val 'layout 'name) with the
                //        constants as operands (constants[kl], [kn]); slow path calls constants[k]
    Mul,        //        (* a b): fixnums within +-2^30 and single floats inline, else the function
    LocalSRef,  // s k k2 i  LOCAL s + SREF k k2 i (fused): push slot i of the local's structure
    SSet,       // k  (%struct-set obj i val layout name) [obj i val layout name] -> [val]; else
                //        call the function of constants[k] (%STRUCT-SET)
    // k: (aref a i j k) [a i j k] -> [elt]; (%set-aref a i j k x) [a i j k x] -> [x]. Fast
    // path: a rank-3 %marray over a simple vector, in-range fixnum indices; else the
    // function of constants[k] (%AREF-N / %SET-AREF).
    Aref3, ASet3,
    // Type tests that cannot fail, so no slow path: push T or NIL.
    Consp, Atom,
    // Fused by the peephole pass from LOCAL s + CONSP/ATOM + JNIL/JT (dolist's loop test):
    JConsL,     // s a    jump if slot is a cons
    JAtomL,     // s a    jump if slot is not a cons
    // k: (logand a b) (logior a b) (logxor a b) [a b] -> [r]; (zerop a) [a] -> [T/NIL]. Fast
    // path: fixnums (tag 00, so the tagged words combine as they are); else the function of
    // constants[k].
    LogAnd, LogIor, LogXor, ZeroP,
    Count
}
