// Why: cl-bench's entries that need only issue 13's features (bitvectors, load-fasl):
// BIT-* a word at a time (right bits, tail bits zero so EQUAL holds), and LispVm's fasl
// header — LOAD refuses another Lisp's fasl and gives #. the compile-time
// *COMPILE-FILE-TRUENAME*.
using System.IO;
using LispVm.Tests.Eval;
using Xunit;

namespace LispVm.Tests.Ansi;

public class ClBenchFeatureTests
{
    [Fact]
    public void Bit_operations_on_simple_bit_vectors()
    {
        using var h = new EvalHost();
        Assert.Equal("(#*0110 #*1000 #*0111 #*01001 #*1101 #*1001 #*0010 #*0001 #*1110 #*1011)", h.Eval(
            "(list (bit-xor #*1100 #*1010) (bit-and #*1100 #*1010) (bit-nand #*1100 #*1010) (bit-not #*10110)" +
            " (bit-orc2 #*1100 #*1010) (bit-eqv #*1100 #*1010) (bit-andc1 #*1100 #*1010) (bit-nor #*1100 #*1010)" +
            " (bit-ior #*1100 #*1010) (bit-orc1 #*1100 #*1010))"));
        // 70 bits: a partial last word; the result is EQUAL to the same bits made directly.
        Assert.Equal("(70 T T)", h.Eval(
            "(let ((a (make-array 70 :element-type 'bit :initial-element 0)))" +
            " (list (count 1 (bit-not a)) (equal (bit-not a) (make-array 70 :element-type 'bit :initial-element 1))" +
            " (progn (bit-not a t) (every (lambda (b) (= b 1)) a))))"));
        Assert.Equal("#2A((1 0) (0 1))", h.Eval("(bit-and #2a((1 0) (1 1)) #2a((1 1) (0 1)))"));
    }

    [Fact]
    public void Load_of_a_fasl_checks_its_header()
    {
        string dir = Path.Combine(Path.GetTempPath(), "lispvm-fasl-" + System.Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "a.lisp"), foreign = Path.Combine(dir, "b.fasl");
            File.WriteAllText(src, "(defun conf-cf5 () (quote #.*compile-file-truename*))\n(defun conf-cf6 () 42)\n");
            File.WriteAllText(foreign, "#!/usr/bin/sbcl --script\n# FASL\n junk\n");
            using var h = new EvalHost();
            h.Eval($"(compile-file \"{src}\")");
            Assert.Equal($"(T #P\"{src}\" 42)", h.Eval($"(list (load \"{Path.Combine(dir, "a.fasl")}\") (conf-cf5) (conf-cf6))"));
            Assert.Equal("FILE-ERROR", h.Eval($"(handler-case (load \"{foreign}\") (file-error () 'file-error))"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
