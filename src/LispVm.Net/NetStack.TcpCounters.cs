// Why: what (net-stats)'s tcp: line needs beyond NetStats' counters: how many connections
// are in a given state now (established, half-open...), and the name of the entropy source
// the platform gave (RFC 6528), so the boot line and the lab can check which one runs.
namespace LispVm.Net
{
    public sealed unsafe partial class NetStack
    {
        /// <summary>The entropy source's name as the platform states it ("rdrand",
        /// "tsc-jitter"); null: none given, the predictable fallback.</summary>
        public string EntropyName;

        /// <summary>Connections (listeners included) in state s now.</summary>
        public int TcpCountInState(TcpState s)
        {
            int n = 0;
            for (int i = 0; i < MaxTcpConnections; i++) if (tcp[i].InUse && tcp[i].State == s) n++;
            return n;
        }
    }
}
