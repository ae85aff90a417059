using Microsoft.Extensions.Logging;

namespace Orleans.Chat.Grains.Users;

/// <summary>
/// My names in the user directory of each of my organizations, where members find me by name. A change the directories
/// must learn (a join, a new name) clears <see cref="UserState.ListingPublished"/> in the same write; the listing then
/// goes to every directory of mine, and the mark is set again. A publish is idempotent, so whatever cuts it short (a
/// failure, which the caller's retry finishes, or a crash, which the next activation finishes) only costs doing it again.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>Publishes my listing to every organization of mine unless the stored mark says they all have it.</summary>
    private async Task PublishListingAsync()
    {
        if (!S.Created || S.ListingPublished)
        {
            return;
        }

        var listing = new UserListing(this.GetPrimaryKeyString(), S.DisplayName, S.FirstName, S.LastName);
        await Task.WhenAll(S.Organizations.Select(organizationId => GrainFactory.GetGrain<IUserDirectoryGrain>(organizationId).PublishAsync(listing).AsTask()));
        S.ListingPublished = true;
        await WriteStateAsync();
    }

    /// <summary>
    /// On activation: finishes a publish the previous activation did not. A failure is logged, not thrown: the user must
    /// stay reachable while a directory is not, and the mark stays cleared for the next activation, join or rename.
    /// </summary>
    private async Task RepublishListingAsync()
    {
        try
        {
            await PublishListingAsync();
        }
        catch (Exception exception)
        {
            LogListingNotPublished(logger, exception, this.GetPrimaryKeyString());
        }
    }

    [LoggerMessage(EventId = 2012, Level = LogLevel.Warning, Message = "User {UserId} could not publish its names to its organizations' directories; its next activation tries again")]
    private static partial void LogListingNotPublished(ILogger logger, Exception exception, string userId);
}
