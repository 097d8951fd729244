// Why: the typed block paths of the sequence and string functions (Builtins/CoreSeqBlocks.cs)
// and the WRITE-STRING / WRITE-SEQUENCE builtins must give exactly what the generic paths
// gave, fall back to them (with their errors) for what they do not handle, and keep a wide
// string wide.
using Xunit;

namespace LispVm.Tests.Eval;

public class SequenceBlockTests
{
    static void Check(EvalHost h, string form, string expected) => Assert.Equal(expected, h.Eval(form));

    [Fact]
    public void Fill_replace_subseq_concatenate_on_strings_and_vectors()
    {
        using var h = new EvalHost();
        Check(h, "(let ((s (make-string 5 :initial-element #\\a))) (fill s #\\b :start 1 :end 3))", "\"abbaa\"");
        Check(h, "(fill (vector 1 2 3) 0 :start 1)", "#(1 0 0)");
        Check(h, "(fill (list 1 2 3) 0)", "(0 0 0)");
        Check(h, "(let ((s (copy-seq \"abcdef\"))) (replace s s :start1 2 :start2 0))", "\"ababcd\"");
        Check(h, "(let ((s (copy-seq \"abcdef\"))) (replace s s :start1 0 :start2 2))", "\"cdefef\"");
        Check(h, "(let ((v (vector 1 2 3 4 5))) (replace v v :start1 1) v)", "#(1 1 2 3 4)");
        Check(h, "(replace (copy-seq \"abc\") '(#\\x #\\y))", "\"xyc\"");
        Check(h, "(subseq \"hello\" 1 3)", "\"el\"");
        Check(h, "(subseq (string (code-char 955)) 0)", "\"λ\"");
        Check(h, "(concatenate 'string \"ab\" (string (code-char 955)) '(#\\x) #(#\\y))", "\"abλxy\"");
        Check(h, "(let ((v (subseq (make-array 3 :element-type '(unsigned-byte 8) :initial-contents '(1 2 3)) 1))) (list v (array-element-type v)))",
              "(#(2 3) (UNSIGNED-BYTE 8))");
        // not for the block path: the generic one signals as before
        Check(h, "(handler-case (fill (make-string 2) 1) (type-error () :type-error))", ":TYPE-ERROR");
        Check(h, "(handler-case (subseq \"abc\" 2 5) (error () :error))", ":ERROR");
        Check(h, "(handler-case (replace (make-string 2) (vector 1 2)) (type-error () :type-error))", ":TYPE-ERROR");
    }

    [Fact]
    public void Find_position_search_mismatch_and_case()
    {
        using var h = new EvalHost();
        Check(h, "(list (position #\\c \"abcabc\" :from-end t) (position 3 #(1 2 3 4) :test #'=) (position 3.0 #(1 2 3 4) :test #'=) (position 5 #(1 2 3 4) :test #'=))",
              "(5 2 2 NIL)");
        Check(h, "(list (find 1.5d0 (vector 1 2 1.5d0)) (find 'c #(a b c)) (find #\\b \"abc\" :test #'char=) (find 2 (make-array 3 :element-type '(unsigned-byte 8) :initial-contents '(1 2 3))))",
              "(1.5d0 C #\\b 2)");
        Check(h, "(handler-case (position 'x #(1 2) :test #'=) (type-error () :type-error))", ":TYPE-ERROR");
        Check(h, "(list (search \"xxxd\" \"abxxxdz\") (search \"x\" \"axbxc\" :from-end t) (search \"\" \"abc\") (search \"\" \"abc\" :from-end t) (search \"B\" \"abc\" :test #'char-equal))",
              "(2 3 0 3 1)");
        Check(h, "(list (mismatch \"abcd\" \"abxd\") (mismatch \"abcd\" \"abcd\") (mismatch \"abcd\" \"zbcd\" :from-end t) (mismatch \"ab\" \"abc\"))",
              "(2 NIL 1 2)");
        Check(h, "(list (nstring-upcase (copy-seq \"hello World\")) (string-downcase \"HeLLo\" :start 1 :end 3) (string-capitalize \"hello world\"))",
              "(\"HELLO WORLD\" \"HelLo\" \"Hello World\")");
    }

    [Fact]
    public void Write_string_and_write_sequence_take_their_keywords_in_the_builtin()
    {
        using var h = new EvalHost();
        Check(h, "(with-output-to-string (s) (write-string \"hello\" s :start 1 :end 3) (write-sequence \"abc\" s :start 1) (write-sequence '(#\\x #\\y) s))",
              "\"elbcxy\"");
        Check(h, "(let ((a (make-array 3 :element-type 'character :fill-pointer 2 :initial-contents \"xyz\"))) (with-output-to-string (s) (write-string a s) (write-sequence a s)))",
              "\"xyxy\"");
        Check(h, "(handler-case (write-string \"abc\" *standard-output* :bogus 2) (program-error () :program-error))", ":PROGRAM-ERROR");
        Check(h, "(handler-case (write-string \"abc\" *standard-output* :start) (program-error () :program-error))", ":PROGRAM-ERROR");
        Check(h, "(with-output-to-string (s) (write-string \"abc\" s :bogus 1 :allow-other-keys t))", "\"abc\"");
        Check(h, "(handler-case (write-sequence \"abc\" (make-string-output-stream) :start 4) (type-error () :type-error))", ":TYPE-ERROR");
        // the column after a block with a newline in it
        Check(h, "(let ((s (make-string-output-stream))) (write-string (format nil \"ab~%cd\") s) (write-string \"xyz\" s) (cl::%stream-column s))", "5");
        Check(h, "(length (with-output-to-string (s) (dotimes (i 10000) (write-sequence \"hi there!\" s))))", "90000");
        Check(h, "(with-output-to-string (s) (write-sequence (string (code-char 955)) s) (write-string \"ab\" s))", "\"λab\"");
    }
}
