using Orleans.Chat.Grains.Conversations;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Groups;

/// <summary>
/// Typing: the other members' devices hear when a member starts or stops (see <see cref="Typists"/>), through their user
/// grains, or once per Api host in a broadcast group, as custom messages go.
/// </summary>
public sealed partial class GroupGrain
{
    private Typists? _typists;

    public async ValueTask SetTypingAsync(string userId, bool typing)
    {
        var member = Member(Validate.Id(userId, "userId"));

        // Only a start needs the right to send: a member muted while typing may still stop.
        if (typing && (S.Type == GroupType.DistributionList || (member.Role == GroupRole.Member && !member.Permissions.MaySend)))
        {
            throw new PermissionDeniedException("You may not send messages in this group.");
        }

        _typists ??= new Typists(this, typingOptions.Value.Timeout, timeProvider, (typist, at) => TellTypingAsync(typist, typing: false, at));
        var now = timeProvider.GetUtcNow();
        if (_typists.Set(userId, typing, now))
        {
            await TellTypingAsync(userId, typing, now);
        }
    }

    private async Task TellTypingAsync(string userId, bool typing, DateTimeOffset at)
    {
        var changed = new TypingChanged(_id, _key.OrganizationId, userId, typing, at);
        if (S.Broadcast && at >= _perMemberUntil)
        {
            _ = _hosts.Notify(host => host.OnTypingChangedAsync(changed).AsTask());
            return;
        }

        foreach (var (memberId, _) in Audience())
        {
            if (!string.Equals(memberId, userId, StringComparison.Ordinal))
            {
                await grains.GetGrain<IUserGrain>(memberId).DeliverTypingAsync(changed);
            }
        }
    }
}
