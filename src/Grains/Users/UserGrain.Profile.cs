using Orleans.Chat.Grains.Errors;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// Editing the profile. A new email or phone is claimed in its lookup before the state changes (so two users never hold
/// one), the old one released after; a release lost to a crash leaves a lookup pointing at a user who no longer has
/// that address, which lookups check (<c>UsersApi</c>) and a later claim by this user overwrites.
/// </summary>
public sealed partial class UserGrain
{
    public async ValueTask<UserProfile> UpdateProfileAsync(ProfileChanges changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        EnsureCreated();
        var id = this.GetPrimaryKeyString();
        var displayName = changes.DisplayName is null ? S.DisplayName : Validate.Text(changes.DisplayName, "displayName");
        var firstName = changes.FirstName is null ? S.FirstName : Validate.OptionalText(changes.FirstName, "firstName");
        var lastName = changes.LastName is null ? S.LastName : Validate.OptionalText(changes.LastName, "lastName");
        var statusText = changes.StatusText is null ? S.StatusText : Validate.OptionalText(changes.StatusText, "statusText");
        var avatarUrl = changes.AvatarUrl is null ? S.AvatarUrl : Validate.OptionalUrl(changes.AvatarUrl, "avatarUrl");
        var email = changes.Email is null ? S.Email : string.IsNullOrWhiteSpace(changes.Email) ? null : UserLookupKey.ForEmail(changes.Email).Value;
        var phone = changes.Phone is null ? S.Phone : string.IsNullOrWhiteSpace(changes.Phone) ? null : UserLookupKey.ForPhone(changes.Phone).Value;
        var publicData = changes.PublicData is null ? S.PublicData : Validate.Metadata(changes.PublicData, "publicData")!;
        var privateData = changes.PrivateData is null ? S.PrivateData : Validate.Metadata(changes.PrivateData, "privateData")!;
        var origin = Validate.OptionalText(changes.OriginSessionId, "originSessionId", Validate.MaxIdLength);

        var claimed = new List<IUserLookupGrain>(2);
        var released = new List<IUserLookupGrain>(2);
        foreach (var (before, after, key) in new[]
        {
            (S.Email, email, (Func<string, UserLookupKey>)UserLookupKey.ForEmail),
            (S.Phone, phone, UserLookupKey.ForPhone),
        })
        {
            if (!string.Equals(before, after, StringComparison.Ordinal))
            {
                if (after is not null)
                {
                    claimed.Add(GrainFactory.GetGrain<IUserLookupGrain>(key(after).ToGrainKey()));
                }

                if (before is not null)
                {
                    released.Add(GrainFactory.GetGrain<IUserLookupGrain>(key(before).ToGrainKey()));
                }
            }
        }

        var renamed = (displayName, firstName, lastName) != (S.DisplayName, S.FirstName, S.LastName);
        var previous = (S.DisplayName, S.FirstName, S.LastName, S.StatusText, S.AvatarUrl, S.Email, S.Phone, S.PublicData, S.PrivateData);
        try
        {
            foreach (var lookup in claimed)
            {
                await lookup.ClaimAsync(id); // conflict when another user holds it
            }

            (S.DisplayName, S.FirstName, S.LastName, S.StatusText, S.AvatarUrl, S.Email, S.Phone, S.PublicData, S.PrivateData) =
                (displayName, firstName, lastName, statusText, avatarUrl, email, phone, publicData, privateData);

            // Left cleared if the write fails: it only makes the next publish send the names again.
            S.ListingPublished &= !(renamed && S.Organizations.Count > 0);
            await WriteStateAsync();
        }
        catch (Exception)
        {
            (S.DisplayName, S.FirstName, S.LastName, S.StatusText, S.AvatarUrl, S.Email, S.Phone, S.PublicData, S.PrivateData) = previous;
            foreach (var lookup in claimed)
            {
                await lookup.ReleaseAsync(id);
            }

            throw;
        }

        foreach (var lookup in released)
        {
            await lookup.ReleaseAsync(id);
        }

        // Before the devices hear of it: if this fails, the caller's retry (or the next activation) publishes.
        await PublishListingAsync();
        var profile = ToProfile();
        Feed(new FeedChange(0, Profile: new ProfileUpdated(profile, origin)));
        await PublishProfileAsync(profile);
        return profile;
    }

    public ValueTask<IReadOnlyDictionary<string, string>> GetOrganizationMetadataAsync(string organizationId)
    {
        EnsureMember(organizationId);
        return ValueTask.FromResult<IReadOnlyDictionary<string, string>>(
            new Dictionary<string, string>(S.OrganizationMetadata.GetValueOrDefault(organizationId) ?? [], StringComparer.Ordinal));
    }

    public async ValueTask<IReadOnlyDictionary<string, string>> UpdateOrganizationMetadataAsync(
        string organizationId, IReadOnlyDictionary<string, string?> changes, bool replace)
    {
        ArgumentNullException.ThrowIfNull(changes);
        EnsureMember(organizationId);
        var valid = Validate.MetadataChanges(
            S.OrganizationMetadata.GetValueOrDefault(organizationId) ?? [], changes, replace, "metadata", Validate.MaxUserMetadataEntries);
        S.OrganizationMetadata[organizationId] = valid;
        await WriteStateAsync();
        return new Dictionary<string, string>(valid, StringComparer.Ordinal);
    }
}
