// Why: an independent s-expression grammar written with Sprache parses what our printer
// prints; random trees must come back with the same structure from both Sprache and our
// reader, so printer and reader cannot agree on a private mistake.
using System.Globalization;
using System.Numerics;
using System.Text;
using LispVm.Gc;
using Sprache;
using Xunit;

namespace LispVm.Tests.Reader
{
    public class SpracheDifferentialTests
    {
        // ---- the tree both sides are compared on
        abstract record Node;
        sealed record Sym(string Name) : Node;
        sealed record Int(BigInteger V) : Node;
        sealed record Flt(float V) : Node;
        sealed record Str(string V) : Node;
        sealed record Lst(Node[] Items) : Node
        {
            public bool Equals(Lst o) => o is not null && Items.SequenceEqual(o.Items);
            public override int GetHashCode() => Items.Length;
        }

        // ---- independent grammar
        static readonly Parser<char> Escaped = from bs in Parse.Char('\\') from c in Parse.AnyChar select c;
        static readonly Parser<Node> StrP =
            from open in Parse.Char('"')
            from chars in Escaped.Or(Parse.CharExcept("\"\\")).Many()
            from close in Parse.Char('"')
            select (Node)new Str(new string(chars.ToArray()));
        static readonly Parser<string> BarPart =
            from open in Parse.Char('|')
            from chars in Escaped.Or(Parse.CharExcept("|\\")).Many()
            from close in Parse.Char('|')
            select new string(chars.ToArray());
        static readonly Parser<string> PlainPart = Parse.CharExcept(" \t\n()'\";|\\").AtLeastOnce().Text();
        static readonly Parser<Node> AtomP =
            from parts in BarPart.Select(s => (s, true)).Or(PlainPart.Select(s => (s, false))).AtLeastOnce()
            select Classify(parts.ToList());
        static readonly Parser<Node> QuoteP =
            from q in Parse.Char('\'') from e in Parse.Ref(() => ExprP) select (Node)new Lst(new Node[] { new Sym("QUOTE"), e });
        static readonly Parser<Node> ListP =
            from open in Parse.Char('(').Token()
            from items in Parse.Ref(() => ExprP).Token().Many()
            from close in Parse.Char(')').Token()
            select (Node)new Lst(items.ToArray());
        static readonly Parser<Node> ExprP = ListP.Or(QuoteP).Or(StrP).Or(AtomP);

        static Node Classify(List<(string text, bool bar)> parts)
        {
            if (parts.Count == 1 && !parts[0].bar)
            {
                string t = parts[0].text;
                if (System.Text.RegularExpressions.Regex.IsMatch(t, "^[+-]?[0-9]+$")) return new Int(BigInteger.Parse(t));
                if (System.Text.RegularExpressions.Regex.IsMatch(t, "^[+-]?[0-9]*\\.[0-9]+(e[+-]?[0-9]+)?$"))
                    return new Flt(float.Parse(t, CultureInfo.InvariantCulture));
            }
            return new Sym(string.Concat(parts.Select(p => p.text)));
        }

        // ---- random trees
        static Node Gen(Random r, int depth)
        {
            int k = depth > 5 ? r.Next(4) : r.Next(6);
            switch (k)
            {
                case 0:
                    {
                        string[] plain = { "FOO", "BAR-BAZ", "*X*", "A1", "+", "1+", "...A", "<=", "%INTERNAL", "&REST" };
                        string[] odd = { "foo", "a b", "x|y", "1.5", "12", "", "back\\slash", "(paren", "dot.", "λx" };
                        return new Sym(r.Next(3) == 0 ? odd[r.Next(odd.Length)] : plain[r.Next(plain.Length)]);
                    }
                case 1: return new Int(BigArithTests.RandomBig(r, r.Next(2) == 0 ? 40 : 300));
                case 2:
                    {
                        float f = BitConverter.Int32BitsToSingle(r.Next());
                        if (float.IsNaN(f) || float.IsInfinity(f)) f = 1.5f;
                        return new Flt(f);
                    }
                case 3:
                    {
                        var sb = new StringBuilder();
                        int n = r.Next(8);
                        for (int i = 0; i < n; i++) { const string cs = "ab\"\\ (x)λ;|"; sb.Append(cs[r.Next(cs.Length)]); }
                        return new Str(sb.ToString());
                    }
                default:
                    {
                        int n = r.Next(6);
                        var items = new Node[n];
                        for (int i = 0; i < n; i++) items[i] = Gen(r, depth + 1);
                        return new Lst(items);
                    }
            }
        }

        readonly ReaderEnv E = new ReaderEnv();

        ulong Build(Node n)
        {
            switch (n)
            {
                case Sym s: return E.Heap.Intern(s.Name, E.Heap.UserPackage);
                case Int i: return E.Read(i.V.ToString());
                case Flt f: return W.MakeSingle(f.V);
                case Str s: return E.Heap.MakeString(s.V);
                default:
                    {
                        var items = ((Lst)n).Items;
                        int mark = E.Heap.RootMark();
                        int acc = E.Heap.PushRoot(W.Nil);
                        for (int i = items.Length - 1; i >= 0; i--)
                        {
                            ulong e = Build(items[i]);
                            E.Heap.SetRoot(acc, E.Heap.Cons(e, E.Heap.Root(acc)));
                        }
                        ulong l = E.Heap.Root(acc);
                        E.Heap.PopRoots(mark);
                        return l;
                    }
            }
        }

        Node Back(ulong w)
        {
            if (w == W.Nil) return new Lst(Array.Empty<Node>());
            if (W.IsSingle(w)) return new Flt(W.SingleValue(w));
            if (W.IsSymbol(w)) return new Sym(E.Princ(w));
            if (W.IsCons(w))
            {
                var l = new List<Node>();
                for (ulong p = w; p != W.Nil; p = E.Heap.Cdr(p)) l.Add(Back(E.Heap.Car(p)));
                return new Lst(l.ToArray());
            }
            if (E.Heap.IsString(w)) return new Str(E.Princ(w));
            return new Int(BigInteger.Parse(E.Print(w)));
        }

        static Node Normalize(Node n) => n is Sym s && s.Name == "NIL" ? new Lst(Array.Empty<Node>())
            : n is Lst l ? new Lst(l.Items.Select(Normalize).ToArray()) : n;

        [Fact]
        public void PrinterOutputParsesTheSameWithSpracheAndOurReader()
        {
            var rng = new Random(99);
            for (int i = 0; i < 3000; i++)
            {
                Node tree = Gen(rng, 0);
                string text = E.Print(Build(tree));
                Node viaSprache = Normalize(ExprP.Parse(text));
                Assert.True(Normalize(tree).Equals(viaSprache), $"Sprache disagrees on {text}");
                Node viaReader = Normalize(Back(E.Read(text)));
                Assert.True(Normalize(tree).Equals(viaReader), $"reader disagrees on {text}");
            }
        }
    }
}
