// Why: the one transition function against RFC 9293's diagram, edge by edge, and the
// events that must not move a state.
using LispVm.Net;
using Xunit;

namespace LispVm.Tests.Net
{
    public class TcpMachineTests
    {
        [Theory]
        [InlineData(TcpState.Closed, TcpEvent.PassiveOpen, TcpState.Listen)]
        [InlineData(TcpState.Closed, TcpEvent.ActiveOpen, TcpState.SynSent)]
        [InlineData(TcpState.Listen, TcpEvent.RcvSyn, TcpState.SynReceived)]
        [InlineData(TcpState.Listen, TcpEvent.Close, TcpState.Closed)]
        [InlineData(TcpState.SynSent, TcpEvent.RcvSynAck, TcpState.Established)]
        [InlineData(TcpState.SynSent, TcpEvent.RcvSyn, TcpState.SynReceived)]
        [InlineData(TcpState.SynSent, TcpEvent.Close, TcpState.Closed)]
        [InlineData(TcpState.SynReceived, TcpEvent.RcvAckOfSyn, TcpState.Established)]
        [InlineData(TcpState.SynReceived, TcpEvent.Close, TcpState.FinWait1)]
        [InlineData(TcpState.Established, TcpEvent.Close, TcpState.FinWait1)]
        [InlineData(TcpState.Established, TcpEvent.RcvFin, TcpState.CloseWait)]
        [InlineData(TcpState.FinWait1, TcpEvent.RcvAckOfFin, TcpState.FinWait2)]
        [InlineData(TcpState.FinWait1, TcpEvent.RcvFin, TcpState.Closing)]
        [InlineData(TcpState.FinWait2, TcpEvent.RcvFin, TcpState.TimeWait)]
        [InlineData(TcpState.CloseWait, TcpEvent.Close, TcpState.LastAck)]
        [InlineData(TcpState.Closing, TcpEvent.RcvAckOfFin, TcpState.TimeWait)]
        [InlineData(TcpState.LastAck, TcpEvent.RcvAckOfFin, TcpState.Closed)]
        [InlineData(TcpState.TimeWait, TcpEvent.TimeWaitDone, TcpState.Closed)]
        [InlineData(TcpState.Established, TcpEvent.Reset, TcpState.Closed)]
        [InlineData(TcpState.TimeWait, TcpEvent.Reset, TcpState.Closed)]
        public void Edge(TcpState from, TcpEvent e, TcpState to) => Assert.Equal(to, TcpMachine.Next(from, e));

        [Fact]
        public void EventsThatDoNotApplyLeaveTheStateAlone()
        {
            Assert.Equal(TcpState.Established, TcpMachine.Next(TcpState.Established, TcpEvent.RcvSynAck));
            Assert.Equal(TcpState.Listen, TcpMachine.Next(TcpState.Listen, TcpEvent.RcvFin));
            Assert.Equal(TcpState.TimeWait, TcpMachine.Next(TcpState.TimeWait, TcpEvent.RcvFin));
            Assert.Equal(TcpState.Closed, TcpMachine.Next(TcpState.Closed, TcpEvent.RcvAckOfFin));
            Assert.Equal(TcpState.FinWait2, TcpMachine.Next(TcpState.FinWait2, TcpEvent.Close));
            // every (state, event) pair lands on a defined state
            foreach (TcpState s in Enum.GetValues(typeof(TcpState)))
                foreach (TcpEvent e in Enum.GetValues(typeof(TcpEvent)))
                    Assert.True(Enum.IsDefined(typeof(TcpState), TcpMachine.Next(s, e)));
        }

        [Fact]
        public void SipHashMatchesTheReferenceVector()
        {
            // The reference vectors' key 00..0f over the 16-byte message 00..0f (vectors[16]).
            ulong k0 = 0x0706050403020100UL, k1 = 0x0F0E0D0C0B0A0908UL;
            Assert.Equal(0x3f2acc7f57c29bdbUL, SipHash.Hash(k0, k1, 0x03020100, 0x07060504, 0x0B0A0908, 0x0F0E0D0C));
        }
    }
}
