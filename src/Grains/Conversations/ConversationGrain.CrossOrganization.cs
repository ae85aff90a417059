using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Organizations;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// A conversation across two organizations (<see cref="ConversationKey.IsCrossOrganization"/>): each member writes from,
/// and lists and counts it in, their own organization. New messages need both organizations to allow it
/// (<see cref="OrganizationSettings.AllowCrossOrganization"/>). Asking both organizations on every send would add two
/// grain calls to each message, so the answer is kept in memory for
/// <see cref="ConversationOptions.CrossOrganizationRecheck"/> (a minute): a setting turned off stops new messages within
/// that time. What was said stays readable to both members. Until its first message, a conversation across
/// organizations answers nobody unless both allow it, so that it cannot be used to find out who is in an organization
/// that does not, or their name.
/// </summary>
public sealed partial class ConversationGrain
{
    /// <summary>Until when both organizations are known to allow this conversation (never, until asked).</summary>
    private DateTimeOffset _crossOrganizationAllowedUntil = DateTimeOffset.MinValue;

    /// <summary>
    /// One answer for every refusal across organizations, so that it tells the sender nothing about the recipient: not
    /// whether they exist, nor whether they are in the organization named, nor which organization said no.
    /// </summary>
    private static PermissionDeniedException CrossOrganizationRefused() =>
        new("You cannot message this user across organizations.");

    /// <summary>What a new message needs besides verified members: across organizations, both organizations' consent.</summary>
    private async ValueTask EnsureMaySendAsync()
    {
        await EnsureMembersAsync();
        await EnsureCrossOrganizationAllowedAsync();
    }

    private async ValueTask EnsureCrossOrganizationAllowedAsync()
    {
        var now = timeProvider.GetUtcNow();
        if (!_key.IsCrossOrganization || now < _crossOrganizationAllowedUntil)
        {
            return;
        }

        var allowed = await Task.WhenAll(AllowsCrossOrganizationAsync(_key.FirstOrganizationId), AllowsCrossOrganizationAsync(_key.SecondOrganizationId));
        if (!allowed.All(a => a))
        {
            throw CrossOrganizationRefused();
        }

        _crossOrganizationAllowedUntil = now + options.Value.CrossOrganizationRecheck;
    }

    private async Task<bool> AllowsCrossOrganizationAsync(string organizationId)
    {
        try
        {
            return (await grains.GetGrain<IOrganizationGrain>(organizationId).GetAsync()).Settings?.AllowCrossOrganization == true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }
}
