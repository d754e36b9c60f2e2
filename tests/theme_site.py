"""A small site for the theme tests: published under a sub-folder, with refs, citations, aliases and a claim."""

SITE = {
    "site.yml": """\
        title: Harbour Notes
        description: Who runs the harbour, and what was said about it.
        base_url: https://example.org/notes/
        language: en
        types:
          person:
            folder: people
            label: [Person, People]
            schema_org: Person
            fields:
              role: {type: text, required: true}
              born: {type: date}
              employer: {type: ref, to: organization}
          organization:
            folder: organizations
            label: [Organization, Organizations]
            schema_org: GovernmentOrganization
            fields:
              founded: {type: date}
              url: {type: url}
              budget: {type: money}
          claim:
            folder: claims
            label: [Claim, Claims]
            schema_org: ClaimReview
            fields:
              claim: {type: text, required: true}
              claimant: {type: text}
              claimed_in: {type: ref, to: source}
              verdict: {type: text, required: true}
          ship:
            folder: ships
            label: [Ship, Ships]
            fields:
              launched: {type: date}
        """,
    "content/explainers/who-runs-the-harbour.md": """\
        ---
        title: Who runs the harbour
        summary: The harbour authority, its master, and a claim about them.
        date: 2024-03-05
        updated: 2024-03-07
        authors: [Desk Writer]
        tags: [harbour]
        about: [people/ada-quill, organizations/harbour-authority]
        ---

        The [[people/ada-quill]] has run the [[organizations/harbour-authority]] since 2019 [@gazette-2019].
        Some said she was the first woman in the post [@radio-2020, 12:30].

        A [[claims/first-woman|claim about her]] was checked. The [[ships/grey-heron]] is its oldest boat.
        """,
    "content/pages/about.md": """\
        ---
        title: About
        ---

        A small test site about a harbour.
        """,
    "content/facts/people/ada-quill.yml": """\
        name: Ada Quill
        summary: Harbour master since 2019.
        aliases: [Harbourmistress, A. Q. Quill]
        role: Harbour master
        born: {value: 1975-04, source: gazette-2019}
        employer: organizations/harbour-authority
        """,
    "content/facts/organizations/harbour-authority.yml": """\
        name: Harbour Authority
        summary: The public body that runs the port.
        founded: 1890
        url: https://harbour.example.org/
        budget: {amount: 1200000, currency: EUR}
        """,
    "content/facts/ships/grey-heron.yml": """\
        name: Grey Heron
        summary: The harbour's oldest pilot boat.
        launched: 1961
        """,
    "content/facts/claims/first-woman.yml": """\
        name: "Claim: the first woman harbour master"
        summary: A radio report called Ada Quill the first woman in the post.
        claim: Ada Quill is the first woman to run the harbour.
        claimant: Harbour Radio
        claimed_in: sources/radio-2020
        verdict: "true"
        facts:
          - label: Checked against
            value: "[[people/ada-quill]]'s appointment notice"
            source: gazette-2019
        """,
    "content/facts/sources/gazette-2019.yml": """\
        title: New harbour master appointed
        publisher: organizations/harbour-authority
        date: 2019-01-15
        url: https://gazette.example.org/2019/harbour
        """,
    "content/facts/sources/radio-2020.yml": """\
        title: "Morning show </script><script>alert(1)</script>"
        publisher: Harbour Radio
        date: 2020
        """,
    "content/facts/events/2019-01-15-appointed.yml": """\
        title: Ada Quill appointed
        date: 2019-01-15
        involves: [people/ada-quill]
        source: [gazette-2019]
        """,
}
