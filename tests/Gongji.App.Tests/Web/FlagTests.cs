using System.Net;
using Gongji.Security;
using Microsoft.EntityFrameworkCore;

namespace Gongji.App.Tests.Web;

/// <summary>The hospitals' identity flag: categories valid today and nothing else personal, by API key, within the key's region.</summary>
[Collection(WebCollection.Name)]
public sealed class FlagTests(WebSite site)
{
    private async Task<(string PsnNo, string Certno, string Type)> AssistedTodayAsync()
    {
        var today = DateOnly.FromDateTime(DateTime.Now);
        await using var db = site.Store.CreateDb();
        var identity = await db.Identities.Where(i => i.PsnNo.StartsWith(WebSite.County) && i.Begntime <= today && (i.Endtime == null || i.Endtime >= today))
            .OrderBy(i => i.PsnNo).FirstAsync();
        var person = await db.Persons.SingleAsync(p => p.PsnNo == identity.PsnNo);
        return (person.PsnNo, person.Certno!, identity.IdetType);
    }

    private HttpClient Hospital(string? key)
    {
        var client = new HttpClient { BaseAddress = new Uri(site.Address) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add(HospitalKeys.Header, key);
        }
        return client;
    }

    [Fact]
    public async Task A_hospital_key_gets_the_categories_valid_today_and_nothing_else()
    {
        var (psnNo, certno, type) = await AssistedTodayAsync();
        using var client = Hospital(site.HospitalKey);
        var byPsn = await WebSite.JsonAsync(await client.GetAsync($"/api/flag?psn_no={psnNo}"));
        Assert.True(byPsn.GetProperty("assisted").GetBoolean());
        Assert.Contains(type, byPsn.GetProperty("categories").EnumerateArray().Select(c => c.GetProperty("type").GetString()));
        Assert.Equal(["date", "assisted", "categories"], byPsn.EnumerateObject().Select(p => p.Name));
        var text = byPsn.GetRawText();
        Assert.DoesNotContain(certno, text, StringComparison.Ordinal);
        Assert.DoesNotContain(psnNo, text, StringComparison.Ordinal);

        var byCert = await WebSite.JsonAsync(await client.GetAsync($"/api/flag?cert_no={certno}"));
        Assert.Equal(byPsn.GetRawText(), byCert.GetRawText());
    }

    [Fact]
    public async Task Without_a_valid_key_or_outside_its_region_nothing_is_told()
    {
        var (psnNo, _, _) = await AssistedTodayAsync();
        using (var none = Hospital(null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await none.GetAsync($"/api/flag?psn_no={psnNo}")).StatusCode);
        }
        using (var wrong = Hospital("gj_" + new string('0', 48)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync($"/api/flag?psn_no={psnNo}")).StatusCode);
        }
        using var foreign = Hospital(site.ForeignHospitalKey);
        var outside = await foreign.GetAsync($"/api/flag?psn_no={psnNo}");
        var unknown = await foreign.GetAsync("/api/flag?psn_no=nobody");
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        static async Task<string?> Detail(HttpResponseMessage r) => System.Text.Json.JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Equal(await Detail(unknown), await Detail(outside));
        // A hospital key opens the flag only.
        Assert.Equal(HttpStatusCode.Unauthorized, (await foreign.GetAsync($"/api/overview?region={WebSite.ForeignCounty}")).StatusCode);
    }
}
