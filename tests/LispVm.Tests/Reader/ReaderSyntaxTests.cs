// Why: every reader syntax read and printed back (prin1), plus the error messages with
// line:column that users see at the REPL.
using LispVm.Gc;
using LispVm.Reader;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class ReaderSyntaxTests
    {
        readonly ReaderEnv E = new ReaderEnv();

        [Theory]
        [InlineData("42", "42")]
        [InlineData("-17", "-17")]
        [InlineData("+5", "5")]
        [InlineData("21.", "21")]
        [InlineData("123456789012345678901234567890", "123456789012345678901234567890")]
        [InlineData("-2305843009213693952", "-2305843009213693952")]
        [InlineData("2305843009213693952", "2305843009213693952")]
        [InlineData("4/6", "2/3")]
        [InlineData("-4/2", "-2")]
        [InlineData("1.5", "1.5")]
        [InlineData("1.5d0", "1.5d0")]
        [InlineData("1.5e3", "1500.0")]
        [InlineData("1.5f0", "1.5")]
        [InlineData("1.5s0", "1.5")]
        [InlineData("1.5l0", "1.5d0")]
        [InlineData(".5", "0.5")]
        [InlineData("-0.0", "-0.0")]
        [InlineData("1e10", "1.0e10")]
        [InlineData("1d-5", "1.0d-5")]
        [InlineData("#b101", "5")]
        [InlineData("#o17", "15")]
        [InlineData("#xFF", "255")]
        [InlineData("#x-1f/2", "-31/2")]
        [InlineData("#36rZZ", "1295")]
        [InlineData("\"a\\\"b\\\\c\"", "\"a\\\"b\\\\c\"")]
        [InlineData("#\\a", "#\\a")]
        [InlineData("#\\Space", "#\\Space")]
        [InlineData("#\\space", "#\\Space")]
        [InlineData("#\\Newline", "#\\Newline")]
        [InlineData("#\\Tab", "#\\Tab")]
        [InlineData("#\\Return", "#\\Return")]
        [InlineData("#\\Backspace", "#\\Backspace")]
        [InlineData("#\\Rubout", "#\\Rubout")]
        [InlineData("#\\Nul", "#\\Nul")]
        [InlineData("#\\Page", "#\\Page")]
        [InlineData("#\\Linefeed", "#\\Newline")]
        [InlineData("#\\Escape", "#\\Escape")]
        [InlineData("#\\U+41", "#\\A")]
        [InlineData("#\\x41", "#\\A")]
        [InlineData("#\\(", "#\\(")]
        [InlineData("foo", "FOO")]
        [InlineData("|foo|", "|foo|")]
        [InlineData("f\\oo", "|FoO|")]
        [InlineData("|a b|", "|a b|")]
        [InlineData(":key", ":KEY")]
        [InlineData("cl:car", "CAR")]
        [InlineData("lispvm-system::internal-thing", "LISPVM-SYSTEM::INTERNAL-THING")]
        [InlineData("'x", "'X")]
        [InlineData("#'f", "#'F")]
        [InlineData("(quote x)", "'X")]
        [InlineData("`(a ,b ,@c)", "`(A ,B ,@C)")]
        [InlineData("(lispvm-system:quasiquote (a (lispvm-system:unquote b) (lispvm-system:unquote-splicing c)))", "`(A ,B ,@C)")]
        [InlineData("`(a , @x ,.y)", "`(A , @X ,@Y)")]
        [InlineData("(lispvm-system:quasiquote a b)", "(LISPVM-SYSTEM:QUASIQUOTE A B)")]
        [InlineData("(a . b)", "(A . B)")]
        [InlineData("(a b . (c d))", "(A B C D)")]
        [InlineData("()", "NIL")]
        [InlineData("(nil)", "(NIL)")]
        [InlineData("#(1 2 (3))", "#(1 2 (3))")]
        [InlineData("#()", "#()")]
        [InlineData("#*1011", "#*1011")]
        [InlineData("#:g1", "#:G1")]
        [InlineData("(a #| nested #| comment |# |# b)", "(A B)")]
        [InlineData("(a ; comment\n b)", "(A B)")]
        [InlineData("#+lispvm yes", "YES")]
        [InlineData("(#-lispvm no yes)", "(YES)")]
        [InlineData("(#+(and lispvm (not sbcl)) a #+(or sbcl ccl) b c)", "(A C)")]
        [InlineData("(#+sbcl sb-ext:quit ok)", "(OK)")]
        [InlineData("|1|", "|1|")]
        [InlineData("1+", "1+")]
        [InlineData("+", "+")]
        [InlineData("...a", "...A")]
        [InlineData("#.(a b)", "EVALED")]
        public void ReadsAndPrints(string input, string expect)
        {
            E.SetFeatures("LISPVM");
            E.ReadOpts.EvalHook = new ConstHook(E.Sym("EVALED"));
            Assert.Equal(expect, E.RT(input));
        }

        sealed class ConstHook : IReadEvalHook
        {
            readonly ulong v; public ConstHook(ulong v) { this.v = v; }
            public bool ReadEval(ulong form, out ulong value) { value = v; return true; }
        }

        [Fact]
        public void ReadBaseAndDefaultDouble()
        {
            E.ReadOpts.ReadBase = 16;
            Assert.Equal("255", E.RT("ff"));
            Assert.Equal("10", E.RT("10."));
            Assert.Equal("1.5", E.RT("1.5"));
            E.ReadOpts.ReadBase = 10;
            E.ReadOpts.DefaultDouble = true;
            ulong d = E.Read("1.5");
            Assert.Equal(ObjType.DoubleFloat, E.Heap.TypeOf(d));
            Assert.Equal("1.5", E.Print(d, new PrintOptions { Escape = true, DefaultDouble = true, Level = -1, Length = -1 }));
            Assert.Equal("1.5f0", E.Print(E.Read("1.5f0"), new PrintOptions { Escape = true, DefaultDouble = true, Level = -1, Length = -1 }));
        }

        [Theory]
        [InlineData(")", "1:1: unexpected )")]
        [InlineData("(a b))", null)]
        [InlineData("\n  \"abc", "2:7: end of file inside string starting at 2:3")]
        [InlineData("(a (b", "1:6: end of file inside list starting at 1:4")]
        [InlineData("(a . b c)", "1:8: more than one object after . in list starting at 1:1")]
        [InlineData("(a . . b)", "1:6: too many dots")]
        [InlineData("(. a)", "1:2: nothing before . in list")]
        [InlineData("..", "1:1: too many dots")]
        [InlineData("cl:no-such-symbol-here", "1:1: symbol NO-SUCH-SYMBOL-HERE not found in package CL")]
        [InlineData("nopkg:x", "1:1: package NOPKG not found")]
        [InlineData("#\\NoSuchName", "1:1: unknown character name #\\NoSuchName")]
        [InlineData("#z", "1:1: unknown dispatch character #z")]
        [InlineData("a:b:c", "1:1: too many package markers in A:B:C")]
        [InlineData("#| open", "1:8: end of file inside #| comment starting at 1:1")]
        [InlineData("(1 2 #.(x))", "1:6: error while evaluating the #. form")]
        public void ErrorsCarryLineAndColumn(string input, string expect)
        {
            var st = E.TryRead(input, out _);
            if (expect == null) { Assert.Equal(ReadStatus.Ok, st); return; }
            Assert.Equal(ReadStatus.Error, st);
            Assert.Equal(expect, E.Error());
        }

        [Fact]
        public void NotExternalSymbolIsAPackageError()
        {
            E.Heap.Intern("SECRET", E.Heap.SystemPackage);
            Assert.Equal(ReadStatus.Error, E.TryRead("lispvm-system:secret", out _));
            Assert.Equal("1:1: symbol SECRET is not external in package LISPVM-SYSTEM", E.Error());
            Assert.Equal(ReadErrorKind.Package, E.Reader.ErrorKind);
        }

        [Fact]
        public void TokenLengthIsBounded()
        {
            Assert.Equal(ReadStatus.Error, E.TryRead(new string('a', 5000), out _));
            Assert.Equal("1:1: token too long (more than 4096 characters)", E.Error());
        }

        [Fact]
        public void IncompleteInteractiveInputAsksForMore()
        {
            foreach (string s in new[] { "(a b", "\"abc", "'", "#", "#|x", "(a . ", "#+foo", "|ab" })
                Assert.Equal(ReadStatus.NeedMore, E.Reader.Read(new StringSource(s, realEnd: false), E.Opts(), out _));
            Assert.Equal(ReadStatus.Eof, E.Reader.Read(new StringSource("  ; just a comment\n", realEnd: false), E.Opts(), out _));
            Assert.Equal(ReadStatus.Ok, E.Reader.Read(new StringSource("(a b)", realEnd: false), E.Opts(), out _));
        }

        [Fact]
        public void ReadsSeveralFormsFromOneSource()
        {
            var src = new StringSource("a (b) \"c\" 4 ");
            string got = "";
            while (E.Reader.Read(src, E.Opts(), out ulong v) == ReadStatus.Ok) got += E.Print(v) + "|";
            Assert.Equal("A|(B)|\"c\"|4|", got);
        }

        [Fact]
        public void KeywordsAndSymbolIdentity()
        {
            ulong a = E.Read(":foo"), b = E.Read("keyword:foo");
            Assert.Equal(a, b);
            Assert.True(E.Heap.IsKeyword(a));
            Assert.Equal(E.Read("car"), E.Heap.Intern("CAR", E.Heap.CommonLispPackage));
            ulong g1 = E.Read("#:g"), g2 = E.Read("#:g");
            Assert.NotEqual(g1, g2);
        }
    }
}
