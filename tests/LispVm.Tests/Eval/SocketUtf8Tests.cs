// Why: the socket stream's decoder (Builtins/SocketUtf8.cs) must read as .NET's UTF-8 decoder
// does (one U+FFFD per maximal ill-formed subpart, Unicode's best practice, which .NET
// follows) and lose no byte: its units re-encode to exactly the input, however the input is
// cut into reads. Checked on every short sequence class and on seeded random bytes.
using System.Text;
using LispVm.Eval;
using Xunit;

namespace LispVm.Tests.Eval;

public unsafe class SocketUtf8Tests
{
    /// <summary>Decodes bytes one at a time as SocketFill does (all state is in hold, so a cut
    /// between reads changes nothing); the end of input flushes a held sequence as a raw unit.</summary>
    static List<uint> Decode(byte[] bytes)
    {
        var units = new List<uint>();
        long hold = 0;
        uint* two = stackalloc uint[2];
        foreach (byte b in bytes)
        {
            int k = SocketUtf8.Step(ref hold, b, two);
            for (int i = 0; i < k; i++) units.Add(two[i]);
        }
        if (hold != 0) units.Add(SocketUtf8.HoldUnit(hold));
        return units;
    }

    static void Check(byte[] input)
    {
        var units = Decode(input);
        var chars = new StringBuilder();
        foreach (uint u in units) chars.Append(char.ConvertFromUtf32(SocketUtf8.CharOf(u)));
        Assert.Equal(Encoding.UTF8.GetString(input), chars.ToString());
        var back = new List<byte>();
        byte* d = stackalloc byte[4];
        foreach (uint u in units)
        {
            int k = SocketUtf8.Bytes(u, d);
            for (int i = 0; i < k; i++) back.Add(d[i]);
        }
        Assert.Equal(input, back.ToArray());
    }

    [Fact]
    public void Every_one_and_two_byte_input_and_every_three_byte_one_led_by_a_multibyte_lead()
    {
        for (int a = 0; a < 256; a++)
        {
            Check(new[] { (byte)a });
            for (int b = 0; b < 256; b++)
            {
                Check(new[] { (byte)a, (byte)b });
                if (a >= 0xC0) foreach (int c in new[] { 0x00, 0x41, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC3, 0xE2, 0xF0, 0xFF })
                    Check(new[] { (byte)a, (byte)b, (byte)c });
            }
        }
    }

    [Fact]
    public void Seeded_random_bytes_decode_as_dotnet_does_and_re_encode_exactly()
    {
        var rng = new Random(17);
        byte[] pool = { 0x00, 0x0A, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF,
                        0xE0, 0xE1, 0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF };
        for (int round = 0; round < 20000; round++)
        {
            var input = new byte[rng.Next(1, 24)];
            for (int i = 0; i < input.Length; i++) input[i] = rng.Next(3) == 0 ? (byte)rng.Next(256) : pool[rng.Next(pool.Length)];
            Check(input);
        }
        // Valid text of every length class survives as characters.
        Check(Encoding.UTF8.GetBytes("a é € 😀 \uFFFD \U0010FFFF"));
    }
}
