// Why: the printer variables (*print-base* / radix / level / length / circle / readably /
// escape) and the #<...> forms, checked on exact output strings.
using LispVm.Gc;
using LispVm.Reader;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class PrinterTests
    {
        readonly ReaderEnv E = new ReaderEnv();

        static PrintOptions P(int @base = 10, bool radix = false, int level = -1, int length = -1, bool circle = false, bool escape = true, bool readably = false)
            => new PrintOptions { Base = @base, Radix = radix, Level = level, Length = length, Circle = circle, Escape = escape, Readably = readably };

        [Theory]
        [InlineData("255", 16, false, "FF")]
        [InlineData("255", 16, true, "#xFF")]
        [InlineData("5", 2, true, "#b101")]
        [InlineData("8", 8, true, "#o10")]
        [InlineData("35", 36, true, "#36rZ")]
        [InlineData("255", 10, true, "255.")]
        [InlineData("1/2", 10, true, "#10r1/2")]
        [InlineData("-255/2", 16, false, "-FF/2")]
        [InlineData("123456789012345678901234567890", 16, false, "18EE90FF6C373E0EE4E3F0AD2")]
        [InlineData("fish", 16, false, "FISH")]
        [InlineData("|FACE|", 16, false, "|FACE|")]
        public void BaseAndRadix(string input, int b, bool radix, string expect)
        {
            Assert.Equal(expect, E.Print(E.Read(input), P(b, radix)));
        }

        [Fact]
        public void LevelAndLength()
        {
            Assert.Equal("((1 #))", E.Print(E.Read("((1 (2 (3))))"), P(level: 2)));
            Assert.Equal("#", E.Print(E.Read("(1)"), P(level: 0)));
            Assert.Equal("(1 2 3 ...)", E.Print(E.Read("(1 2 3 4 5)"), P(length: 3)));
            Assert.Equal("#(1 2 ...)", E.Print(E.Read("#(1 2 3 4)"), P(length: 2)));
            Assert.Equal("(...)", E.Print(E.Read("(1 2)"), P(length: 0)));
            Assert.Equal("(1 2 3)", E.Print(E.Read("(1 2 3)"), P(length: 3)));
        }

        [Fact]
        public void CircularStructures()
        {
            ulong l = E.Read("(1 2 3)");
            int r = E.Heap.PushRoot(l);
            E.Heap.SetCdr(E.Heap.Cdr(E.Heap.Cdr(l)), l);
            string s = E.Print(E.Heap.Root(r));
            Assert.StartsWith("(1 2 3 1 2", s);
            Assert.EndsWith(" ...)", s);
            Assert.Equal("#1=(1 2 3 . #1#)", E.Print(E.Heap.Root(r), P(circle: true)));
            ulong shared = E.Read("(a b)");
            int r2 = E.Heap.PushRoot(shared);
            ulong two = E.Heap.Cons(E.Heap.Root(r2), E.Heap.Cons(E.Heap.Root(r2), W.Nil));
            Assert.Equal("(#1=(A B) #1#)", E.Print(two, P(circle: true)));
            Assert.Equal("((A B) (A B))", E.Print(two));
            // a list containing itself as its car
            ulong self = E.Heap.Cons(W.Nil, W.Nil);
            E.Heap.SetCar(self, self);
            Assert.Equal("#1=(#1#)", E.Print(self, P(circle: true)));
            Assert.Equal("(#)", E.Print(self, P(level: 2)));
            Assert.Equal("(#)", E.Print(self));   // its own ancestor: # instead of endless nesting
            Assert.Equal("#(#)", E.Print(E.Read("#1=#(#1#)")));
            Assert.Equal("(#(# #) #(# #))", E.Print(E.Read("(#1=#(#1# #1#) #1#)")));
            E.Heap.PopRoots(r);
        }

        [Theory]
        [InlineData("#1=(1 2 3 . #1#)")]
        [InlineData("(#1=(A B) #1#)")]
        [InlineData("#1=(#1#)")]
        [InlineData("#1=#(A #1# #2=(X) #2#)")]
        [InlineData("(#1=(A . #2=(B #1#)) #2#)")]
        public void CircleSyntaxReadsBackToTheSameStructure(string text)
        {
            Assert.Equal(text, E.Print(E.Read(text), P(circle: true)));
        }

        [Fact]
        public void LabelErrors()
        {
            Assert.Equal("1:2: undefined label #3#", ErrorOf("(#3#)"));
            Assert.Equal("1:1: #n= label refers only to itself", ErrorOf("#1=#1#"));
            Assert.Equal("1:7: label #1= defined twice", ErrorOf("(#1=a #1=b)"));
        }

        string ErrorOf(string s) { Assert.Equal(ReadStatus.Error, E.TryRead(s, out _)); return E.Error(); }

        [Fact]
        public void EscapeOff()
        {
            Assert.Equal("abc", E.Princ(E.Read("\"abc\"")));
            Assert.Equal("a", E.Princ(E.Read("#\\a")));
            Assert.Equal("foo bar", E.Princ(E.Read("|foo bar|")));
            Assert.Equal("(A b c)", E.Princ(E.Read("(a \"b\" #\\c)")));
            Assert.Equal("KEY", E.Princ(E.Read(":key")));
        }

        [Fact]
        public void Symbols()
        {
            ulong internal_ = E.Heap.Intern("HIDDEN", E.Heap.SystemPackage);
            Assert.Equal("LISPVM-SYSTEM::HIDDEN", E.Print(internal_));
            ulong ext = E.Heap.InternExternal("SHOWN", E.Heap.SystemPackage);
            Assert.Equal("LISPVM-SYSTEM:SHOWN", E.Print(ext));
            Assert.Equal("#:G", E.Print(E.Heap.MakeSymbol("G")));
            Assert.Equal("CAR", E.Print(E.Heap.Intern("CAR", E.Heap.CommonLispPackage)));
            Assert.Equal("NIL", E.Print(W.Nil));
            Assert.Equal("T", E.Print(E.Heap.T));
            Assert.Equal("||", E.Print(E.Heap.Intern("", E.Heap.UserPackage)));
            Assert.Equal("|a\\|b|", E.Print(E.Heap.Intern("a|b", E.Heap.UserPackage)));
            Assert.Equal("|1.5|", E.Print(E.Heap.Intern("1.5", E.Heap.UserPackage)));
            Assert.Equal("|.|", E.Print(E.Heap.Intern(".", E.Heap.UserPackage)));
            Assert.Equal("|#X|", E.Print(E.Heap.Intern("#X", E.Heap.UserPackage)));
            Assert.Equal("A#", E.Print(E.Heap.Intern("A#", E.Heap.UserPackage)));
        }

        [Fact]
        public void UnreadableObjects()
        {
            ulong ht = E.Heap.MakeHashTable(HashTest.Eql);
            string s = E.Print(ht);
            Assert.StartsWith("#<HASH-TABLE :TEST EQL :COUNT 0 {", s);
            Assert.EndsWith("}>", s);
            var sink = new StringSink();
            Assert.Equal(PrintStatus.NotReadable, E.Printer.Print(ht, sink, P(readably: true)));
            Assert.Equal(PrintStatus.Ok, E.Printer.Print(E.Read("(a \"b\" 1.5)"), new StringSink(), P(readably: true)));
            ulong f = E.Heap.AllocBoxed(ObjType.Function, 4);
            E.Heap.SetSlot(f, 2, E.Sym("MY-FN"));
            Assert.Equal("#<FUNCTION MY-FN>", E.Print(f));
            Assert.Equal("#<PACKAGE \"COMMON-LISP\">", E.Print(E.Heap.CommonLispPackage));
            Assert.Equal("#<EOF>", E.Print(W.Eof));
        }

        [Fact]
        public void CharactersAndStrings()
        {
            Assert.Equal("#\\U+1", E.Print(W.MakeChar(1)));
            Assert.Equal("#\\λ", E.Print(W.MakeChar(0x3BB)));
            Assert.Equal("\"λx\"", E.RT("\"λx\""));
            Assert.Equal("#\\Space", E.Print(W.MakeChar(32)));
        }
    }
}
