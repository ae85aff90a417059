using System.Text.RegularExpressions;
using Orleans.Chat.Grains.Errors;
using Orleans.Chat.Grains.Messages;

namespace Orleans.Chat.Grains.Conversations;

/// <summary>
/// Who a message mentions: the members named by <c>@userId</c> in its body (a word that names no member is just text)
/// and those the sender lists, who must be members. The sender is never mentioned by themselves.
/// </summary>
internal static partial class Mentions
{
    /// <summary>An @ that starts a word, then an id (ids may hold '@' and '.', so a trailing '.' may end the sentence instead).</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_.@-])@([A-Za-z0-9_.@-]{1,64})", RegexOptions.CultureInvariant)]
    private static partial Regex MentionRegex();

    /// <summary>The members mentioned, in order of first mention; null for none.</summary>
    public static IReadOnlyList<string>? Resolve(string body, IReadOnlyList<string>? named, string senderId, Func<string, bool> isMember)
    {
        var mentioned = new List<string>();
        foreach (var userId in named ?? [])
        {
            if (!Validate.IsId(userId) || !isMember(userId))
            {
                throw new InvalidArgumentException("Each of 'mentions' must be a member of the conversation.", "mentions");
            }

            Add(userId);
        }

        foreach (Match match in MentionRegex().Matches(body))
        {
            var word = match.Groups[1].Value;
            var userId = isMember(word) ? word : word.TrimEnd('.');
            if (userId.Length > 0 && isMember(userId))
            {
                Add(userId);
            }
        }

        if (mentioned.Count > Validate.MaxMentions)
        {
            throw new InvalidArgumentException($"A message mentions at most {Validate.MaxMentions} members.", "mentions");
        }

        return mentioned.Count == 0 ? null : mentioned;

        void Add(string userId)
        {
            if (!string.Equals(userId, senderId, StringComparison.Ordinal) && !mentioned.Contains(userId, StringComparer.Ordinal))
            {
                mentioned.Add(userId);
            }
        }
    }

    /// <summary>Notes the message in the lists of the members it mentions; true when it mentions anyone.</summary>
    public static bool Track(Message message, Func<string, List<long>?> mentionsOf)
    {
        foreach (var userId in message.Mentions ?? [])
        {
            mentionsOf(userId)?.Add(message.SortNumber);
        }

        return message.Mentions is { Count: > 0 };
    }

    /// <summary>Takes a sortNumber out of every member's list (a recalled or gone message, or a send that was not stored); true when any held it.</summary>
    public static bool Untrack(long sortNumber, IEnumerable<List<long>> lists)
    {
        var removed = false;
        foreach (var list in lists)
        {
            removed |= list.Remove(sortNumber);
        }

        return removed;
    }

    /// <summary>A member's unread mentions: the mentioning messages after what they have read.</summary>
    public static int Unread(List<long> mentionedAt, long unreadAfter) => mentionedAt.Count(s => s > unreadAfter);

    /// <summary>Forgets the mentions a member has read (a later "mark unread" does not bring them back).</summary>
    public static void Forget(List<long> mentionedAt, long readUpTo) => mentionedAt.RemoveAll(s => s <= readUpTo);

    /// <summary>After activation: forgets mentions by sends that were tracked but never stored (past the log's end).</summary>
    public static void ForgetUnstored(IEnumerable<List<long>> lists, long lastSortNumber)
    {
        foreach (var list in lists)
        {
            list.RemoveAll(s => s > lastSortNumber);
        }
    }
}
