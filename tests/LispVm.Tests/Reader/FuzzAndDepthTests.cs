// Why: hostile input must never crash or hang the reader (random and mutated bytes), and
// nesting depth must not reach the C# stack (100,000 levels through reader and printer),
// also with a GC on every allocation so every root the reader/printer keep is exercised.
using System.Text;
using LispVm.Gc;
using LispVm.Reader;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class FuzzAndDepthTests
    {
        static readonly string[] Seeds =
        {
            "(defun f (x) (* x 2))", "'(a . b)", "`(a ,b ,@c)", "#(1 2 #\\a \"s\")", "#+(or a b) x #-c y",
            "1.5d0 -3/4 #x-FF #b101 #36rZZ 1e400 1e-400", "|a b| \\x cl:car keyword:k ::k a::b",
            "#| a #| b |# c |# ;c\n", "#.(x) #:g #*101 #\\Space #\\U+41", "#1=(a #2=#(#1# #2#) . #1#)", "\"a\\\"b\"", "((((((", "))))",
        };

        const string Alphabet = "()'`,#\\|\";: .+-0123456789abexrd*";

        [Fact]
        public void RandomAndMutatedBytesNeverCrashOrHang()
        {
            var E = new ReaderEnv();
            E.SetFeatures("A");
            var rng = new Random(1234);
            var sw = System.Diagnostics.Stopwatch.StartNew();
            int ok = 0, errors = 0;
            for (int i = 0; i < 100_000; i++)
            {
                byte[] data;
                if (i % 2 == 0)
                {
                    data = new byte[rng.Next(40)];
                    for (int k = 0; k < data.Length; k++)
                        data[k] = rng.Next(3) == 0 ? (byte)Alphabet[rng.Next(Alphabet.Length)] : (byte)rng.Next(256);
                }
                else
                {
                    var l = Encoding.UTF8.GetBytes(Seeds[rng.Next(Seeds.Length)]).ToList();
                    int muts = 1 + rng.Next(4);
                    for (int m = 0; m < muts; m++)
                    {
                        int at = rng.Next(l.Count + 1);
                        switch (rng.Next(3))
                        {
                            case 0: l.Insert(at, (byte)rng.Next(256)); break;
                            case 1: if (at < l.Count) l.RemoveAt(at); break;
                            default: if (at < l.Count) l[at] = (byte)Alphabet[rng.Next(12)]; break;
                        }
                    }
                    data = l.ToArray();
                }
                var src = new BytesSource(data);
                for (int guard = 0; guard <= data.Length + 1; guard++)
                {
                    var st = E.Reader.Read(src, E.Opts(), out ulong v);
                    if (st == ReadStatus.Ok) { ok++; E.Print(v); continue; }
                    if (st == ReadStatus.Error) { errors++; Assert.True(E.Reader.ErrorLength > 0); }
                    break;
                }
            }
            Assert.True(ok > 1000 && errors > 1000, $"ok {ok} errors {errors}");
            Assert.True(sw.Elapsed.TotalSeconds < 120);
        }

        [Fact]
        public void HundredThousandDeepNesting()
        {
            var E = new ReaderEnv();
            const int N = 100_000;
            string parens = new string('(', N) + new string(')', N);
            ulong v = E.Read(parens);
            string printed = E.Print(v);
            Assert.Equal(new string('(', N - 1) + "NIL" + new string(')', N - 1), printed);
            string quotes = new string('\'', N) + "X";
            Assert.Equal(quotes, E.RT(quotes));
            string vecs = string.Concat(Enumerable.Repeat("#(", N)) + new string(')', N);
            Assert.Equal(vecs, E.RT(vecs));
            // deeper than the reader's frame capacity: a clear error, not a crash
            string tooDeep = new string('(', E.Reader.MaxDepth + 1);
            Assert.Equal(ReadStatus.Error, E.TryRead(tooDeep, out _));
            Assert.Contains("nested too deeply", E.Error());
        }

        [Fact]
        public void SurvivesGcOnEveryAllocation()
        {
            var E = new ReaderEnv(new HeapOptions { StressMinorEvery = 1, StressFullEvery = 16 });
            E.SetFeatures("A");
            string text = "(defun f (x &rest r) \"doc\" (list* 'x `(,x ,@r) #(1 2.5 3/4 123456789012345678901234567890) #\\a :k #+a yes #-a no (a . b) 1.5d0 |Mixed Case| #*1010))";
            string expect = "(DEFUN F (X &REST R) \"doc\" (LIST* 'X `(,X ,@R) #(1 2.5 3/4 123456789012345678901234567890) #\\a :K YES (A . B) 1.5d0 |Mixed Case| #*1010))";
            for (int i = 0; i < 20; i++) Assert.Equal(expect, E.RT(text));
            ulong shared = E.Read("(s h)");
            int r = E.Heap.PushRoot(shared);
            ulong inner = E.Heap.Cons(E.Heap.Root(r), W.Nil);
            ulong two = E.Heap.Cons(E.Heap.Root(r), inner);   // inner is an argument: Cons protects it
            Assert.Equal("(#1=(S H) #1#)", E.Print(two, new PrintOptions { Escape = true, Circle = true, Level = -1, Length = -1 }));
            E.Heap.PopRoots(r);
            for (int i = 0; i < 10; i++)
                Assert.Equal("(#1=(A . #2=(B #1#)) #2# #3=#(#3# 1.5d0))",
                    E.Print(E.Read("(#1=(a . #2=(b #1#)) #2# #3=#(#3# 1.5d0))"), new PrintOptions { Escape = true, Circle = true, Level = -1, Length = -1 }));
        }
    }
}
