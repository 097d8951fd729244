// Why: the network REPL speaks to nc/socat and to telnet clients. Telnet (RFC 854) puts
// commands in the byte stream behind IAC (255): IAC IP (244) interrupts the session's running
// form (like Ctrl-C on the console), IAC IAC is one 0xFF data byte, every other command is
// dropped with its option byte (WILL/WONT/DO/DONT) or its whole subnegotiation (SB ... IAC
// SE). A raw 0x03 is data: only IAC IP interrupts. Every option is refused (DO x → WONT x,
// WILL x → DONT x, RFC 854's rule for options we do not support): a telnet client that sent
// IP then DO TIMING-MARK discards output until the answer comes. Pure: one byte in, one
// verdict (and maybe a reply to send) out.
namespace LispVm.Eval;

public static class TelnetFilter
{
    public const int Iac = 255, Ip = 244, Sb = 250, Se = 240, Will = 251, Wont = 252, Do = 253, Dont = 254;
    /// <summary>Step results besides a data byte (0..255).</summary>
    public const int Dropped = -1, Interrupt = -2;
    // States: data, after IAC, the option byte of WONT/DONT, inside SB, IAC inside SB, the
    // option byte of DO, of WILL.
    public const int SData = 0, SIac = 1, SOption = 2, SSub = 3, SSubIac = 4, SOptionDo = 5, SOptionWill = 6;

    /// <summary>Feeds byte b in state (updated): a data byte 0..255, Dropped or Interrupt.</summary>
    public static int Step(ref int state, int b) { return Step(ref state, b, out int reply); }

    /// <summary>As Step; reply is 0 or the command to send back with option byte b (IAC
    /// reply b): Wont for a DO, Dont for a WILL.</summary>
    public static int Step(ref int state, int b, out int reply)
    {
        reply = 0;
        b &= 255;
        if (state == SOptionDo || state == SOptionWill)
        {
            reply = state == SOptionDo ? Wont : Dont;
            state = SData;
            return Dropped;
        }
        switch (state)
        {
            case SData:
                if (b == Iac) { state = SIac; return Dropped; }
                return b;
            case SIac:
                state = SData;
                if (b == Iac) return Iac;
                if (b == Ip) return Interrupt;
                if (b == Do) { state = SOptionDo; return Dropped; }
                if (b == Will) { state = SOptionWill; return Dropped; }
                if (b >= Wont) { state = SOption; return Dropped; }
                if (b == Sb) { state = SSub; return Dropped; }
                return Dropped;                       // NOP, AYT, AO, BRK, GA, DM, EC, EL, ...
            case SOption:
                state = SData;
                return Dropped;
            case SSub:
                if (b == Iac) state = SSubIac;
                return Dropped;
            default:                                  // SSubIac
                state = b == Se ? SData : SSub;
                return Dropped;
        }
    }
}

/// <summary>The network REPL's token check: the time taken depends on the lengths only,
/// never on where the first difference is.</summary>
public static unsafe class SecretCompare
{
    /// <summary>True when the n-char given equals the m-char secret; every char of both is read.</summary>
    public static bool Equal(int* given, int n, int* secret, int m)
    {
        int diff = n ^ m;
        int len = n > m ? n : m;
        for (int i = 0; i < len; i++)
        {
            int a = i < n ? given[i] : 0, b = i < m ? secret[i] : 0;
            diff |= a ^ b;
        }
        return diff == 0 && m > 0;
    }
}
