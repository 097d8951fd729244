// Why: proves at run time that the corelib supports what engine code relies on (interface
// and virtual dispatch, generics over our own types, static readonly tables, class
// constructors, arrays, casts, string literals, function pointers). Run with the hidden
// console command `#selftest`; the image test checks for "selftest: ok".
namespace LispVm.Kernel
{
    internal interface IShape { int Area(); }
    internal interface INamed { int NameLength(); }

    internal sealed class Square : IShape, INamed
    {
        readonly int _s;
        public Square(int s) { _s = s; }
        public int Area() { return _s * _s; }
        public int NameLength() { return "square".Length; }
    }

    internal sealed class Rect : IShape
    {
        readonly int _w, _h;
        public Rect(int w, int h) { _w = w; _h = h; }
        public int Area() { return _w * _h; }
    }

    // Three or more implementations defeat ILC's guarded devirtualization, so calls through
    // ICounter go through a real dispatch cell and the corelib's resolver.
    internal interface ICounter { int Next(int x); int Id { get; } }
    internal sealed class AddOne : ICounter { public int Next(int x) { return x + 1; } public int Id => 1; }
    internal sealed class Twice2 : ICounter { public int Next(int x) { return x * 2; } public int Id => 2; }
    internal class Square2 : ICounter { public virtual int Next(int x) { return x * x; } public int Id => 3; }
    internal sealed class Cube : Square2 { public override int Next(int x) { return x * x * x; } }
    internal sealed class Neg : ICounter { public int Next(int x) { return -x; } public int Id => 5; }

    internal abstract class Base { public abstract int V(); public virtual int W() { return 1; } }
    internal sealed class Derived : Base { public override int V() { return 7; } public override int W() { return 2; } }

    internal struct Pair<T> where T : struct { public T A, B; }

    internal sealed class Box<T> where T : class
    {
        public T Value;
        public Box(T v) { Value = v; }
    }

    internal static class Tables
    {
        public static readonly byte[] Primes = { 2, 3, 5, 7, 11, 13 };
        public static readonly int[] Squares;
        public static int CctorRuns;
        static Tables()
        {
            Squares = new int[8];
            for (int i = 0; i < 8; i++) Squares[i] = i * i;
            CctorRuns++;
        }
    }

    // Not preinitialisable by ILC (reads a mutable static), so its cctor runs on first use,
    // which is after start-up: allowed, since a cctor runs once.
    internal static class LateTable
    {
        public static int Seed = 3;
        public static readonly int[] Values = Make();
        static int[] Make() { int[] a = new int[4]; for (int i = 0; i < 4; i++) a[i] = Seed + i; return a; }
    }

    internal static unsafe class SelfTest
    {
        static IShape[] s_shapes;
        static ICounter[] s_counters;
        static int Twice(int x) { return 2 * x; }

        static T First<T>(T[] a) { return a[0]; }

        // Allocates (boot-time only): call before BootHeap.Sealed.
        public static void Prepare()
        {
            s_shapes = new IShape[] { new Square(3), new Rect(2, 5) };
            s_counters = new ICounter[] { new AddOne(), new Twice2(), new Square2(), new Cube(), new Neg() };
        }

        public static int Run()
        {
            int fails = 0;
            // The XenPv pieces (layouts, rings, time scaling) as ILC compiled them; allocation-free.
            byte* xenpvPage = stackalloc byte[4096];
            if (XenPv.Shim.XenPvSelfTest.Run(xenpvPage) != 0) fails |= 0x8000;
            int sum = 0;
            for (int i = 0; i < s_shapes.Length; i++) sum += s_shapes[i].Area();
            if (sum != 19) fails |= 1;
            object o = s_shapes[0];
            INamed n = o as INamed;
            if (n == null || n.NameLength() != 6) fails |= 2;
            if (s_shapes[1] is INamed) fails |= 4;
            Base b = Derived0;
            if (b.V() + b.W() != 9) fails |= 8;
            Pair<long> p; p.A = 40; p.B = 2;
            if (p.A + p.B != 42) fails |= 16;
            if (Tables.Primes[5] != 13 || Tables.Primes.Length != 6) fails |= 32;
            if (Tables.Squares[7] != 49 || Tables.CctorRuns != 1) fails |= 64;
            delegate*<int, int> f = &Twice;
            if (f(21) != 42) fails |= 128;
            if (First(s_shapes).Area() != 9) fails |= 256;
            string s = "h\u00e9llo";
            if (s.Length != 5 || s[1] != 0xe9) fails |= 512;
            if (BoxOf.Value.Area() != 9) fails |= 1024;
            if (LateTable.Values[3] != 6) fails |= 4096;
            int acc = 0, ids = 0;
            for (int round = 0; round < 3; round++)
                for (int i = 0; i < s_counters.Length; i++) { acc += s_counters[i].Next(3); ids += s_counters[i].Id; }
            if (acc != 3 * (4 + 6 + 9 + 27 - 3) || ids != 3 * (1 + 2 + 3 + 3 + 5)) fails |= 2048;
            return fails;
        }

        static Base Derived0 = new Derived();
        static Box<IShape> BoxOf = new Box<IShape>(new Square(3));
    }
}
