using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;
using Orleans.Chat.Grains.Users;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>Typing: the other member's devices hear when a member starts or stops (see <see cref="Typists"/>).</summary>
public sealed partial class ConversationGrain
{
    private Typists? _typists;

    public async ValueTask SetTypingAsync(string userId, bool typing)
    {
        CounterpartyOf(Validate.Id(userId, "userId"));
        await EnsureMaySendAsync();
        _typists ??= new Typists(this, typingOptions.Value.Timeout, timeProvider, (typist, at) => TellTypingAsync(typist, typing: false, at));
        var now = timeProvider.GetUtcNow();
        if (_typists.Set(userId, typing, now))
        {
            await TellTypingAsync(userId, typing, now);
        }
    }

    /// <summary>To the other member's user grain, which leaves it out if they silence the typist.</summary>
    private Task TellTypingAsync(string userId, bool typing, DateTimeOffset at) =>
        grains.GetGrain<IUserGrain>(_key.CounterpartyOf(userId))
            .DeliverTypingAsync(new TypingChanged(_id, _key.OrganizationOf(userId), userId, typing, at)).AsTask();
}
