using Orleans.Concurrency;

namespace Orleans.Chat.Grains.Organizations;

/// <summary>
/// An organization, keyed by organization id. Only the admin API calls the changing methods. Membership itself is
/// held by each user grain (a user belongs to a few organizations; an organization may have very many users), so
/// the organization keeps only its count.
/// </summary>
[Alias("chat.IOrganizationGrain")]
public interface IOrganizationGrain : IGrainWithStringKey
{
    /// <summary>Creates the organization; <c>conflict</c> if it exists.</summary>
    ValueTask<OrganizationInfo> CreateAsync(CreateOrganizationCommand command);

    /// <summary><c>not-found</c> if it does not exist.</summary>
    [ReadOnly]
    ValueTask<OrganizationInfo> GetAsync();

    /// <summary>Replaces the organization's settings; returns the organization.</summary>
    ValueTask<OrganizationInfo> SetSettingsAsync(OrganizationSettings settings);

    /// <summary>Adds an existing user; idempotent. <c>not-found</c> if the organization or the user does not exist.</summary>
    ValueTask<OrganizationInfo> AddMemberAsync(string userId);
}

[GenerateSerializer, Immutable, Alias("chat.CreateOrganizationCommand")]
public sealed record CreateOrganizationCommand([Id(0)] string Name);

[GenerateSerializer, Immutable, Alias("chat.OrganizationInfo")]
public sealed record OrganizationInfo(
    [Id(0)] string Id,
    [Id(1)] string Name,
    [Id(2)] int MemberCount,
    [Id(3)] DateTimeOffset CreatedAt,
    [Id(4)] OrganizationSettings? Settings = null);

/// <summary>
/// What an organization decides for its conversations. <see cref="MaxMessageTtlMinutes"/> caps the time to live a
/// sender may give a message (a longer one is cut to it); null leaves the senders' own (up to a year).
/// <see cref="AllowCrossOrganization"/> lets its members have 1-1 conversations with members of other organizations
/// that allow it too (off by default).
/// </summary>
[GenerateSerializer, Immutable, Alias("chat.OrganizationSettings")]
public sealed record OrganizationSettings([Id(0)] int? MaxMessageTtlMinutes = null, [Id(1)] bool AllowCrossOrganization = false);
